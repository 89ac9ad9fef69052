import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { findProductionNames, rewriteText, RewriteRule } from "../../src/environment/rewrite";

const RULES: RewriteRule[] = [{ from: "picasoft.net", to: "test.picasoft.net" }];
const REGISTRY = ["registry.picasoft.net"];
const rw = (text: string) => rewriteText(text, RULES, REGISTRY);

describe("rewriteText", () => {
  it("rewrites a host inside a Traefik rule", () => {
    assert.equal(rw("Host(`team.picasoft.net`)"), "Host(`team.test.picasoft.net`)");
  });

  it("rewrites the bare domain and several names in one text", () => {
    assert.equal(rw("Host(`www.picasoft.net`) || Host(`picasoft.net`)"), "Host(`www.test.picasoft.net`) || Host(`test.picasoft.net`)");
    assert.equal(rw("https://pad.picasoft.net/admin and mail@picasoft.net."), "https://pad.test.picasoft.net/admin and mail@test.picasoft.net.");
  });

  it("leaves already rewritten names untouched", () => {
    assert.equal(rw("Host(`team.test.picasoft.net`)"), "Host(`team.test.picasoft.net`)");
    assert.equal(rw("test.picasoft.net"), "test.picasoft.net");
  });

  it("is idempotent: applying it twice gives the same as once", () => {
    const text = [
      "Host(`team.picasoft.net`) || Host(`picasoft.net`)",
      "url=https://pad.test.picasoft.net/x",
      '{"SiteURL": "https://team.picasoft.net", "other": "mypicasoft.net"}',
      "image registry.picasoft.net/pica-static:1.2.0",
      "contest.picasoft.net",
    ].join("\n");
    const once = rw(text);
    assert.notEqual(once, text);
    assert.equal(rw(once), once);
    assert.match(once, /contest\.test\.picasoft\.net/);
  });

  it("only matches whole domain suffixes", () => {
    for (const text of ["mypicasoft.net", "picasoft.network", "picasoft.net-backup", "a.picasoft.netx", "picasoft.net.example.org", "notpicasoft.net/x"]) {
      assert.equal(rw(text), text, text);
    }
  });

  it("accepts a sentence-ending dot after the name", () => {
    assert.equal(rw("see picasoft.net."), "see test.picasoft.net.");
  });

  it("never rewrites a protected registry host", () => {
    assert.equal(rw("registry.picasoft.net/x:1"), "registry.picasoft.net/x:1");
    assert.equal(rw("image: registry.picasoft.net/pica-static:1.2.0 at https://www.picasoft.net"), "image: registry.picasoft.net/pica-static:1.2.0 at https://www.test.picasoft.net");
  });

  it("without the registry protected, the registry host is rewritten like any name", () => {
    assert.equal(rewriteText("registry.picasoft.net/x:1", RULES), "registry.test.picasoft.net/x:1");
  });

  it("does nothing without rules", () => {
    assert.equal(rewriteText("team.picasoft.net", [], REGISTRY), "team.picasoft.net");
  });

  it("applies several rules, each at most once per name", () => {
    const rules: RewriteRule[] = [
      { from: "picasoft.net", to: "test.picasoft.net" },
      { from: "picasoft.fr", to: "test.picasoft.fr" },
    ];
    const once = rewriteText("a.picasoft.net b.picasoft.fr", rules);
    assert.equal(once, "a.test.picasoft.net b.test.picasoft.fr");
    assert.equal(rewriteText(once, rules), once);
  });

  it("rewrites every spelling a program reads as the domain, keeping its meaning", () => {
    // A Traefik redirectregex middleware: the escaped regex stays a valid regex, for the test domain.
    assert.equal(rw("^https://(www\\.)?picasoft\\.net/(.*)"), "^https://(www\\.)?test\\.picasoft\\.net/(.*)");
    assert.equal(rw('{"regex": "^https://pad\\\\.picasoft\\\\.net/"}'), '{"regex": "^https://pad\\\\.test\\\\.picasoft\\\\.net/"}');
    assert.equal(rw("next=https%3A%2F%2Fpad%2Epicasoft%2Enet%2Flogin"), "next=https%3A%2F%2Fpad%2Etest%2Epicasoft%2Enet%2Flogin");
    assert.equal(rw("SERVER_NAME=PAD.PICASOFT.NET"), "SERVER_NAME=PAD.TEST.PICASOFT.NET");
    assert.equal(rw("Host: Pad.Picasoft.Net"), "Host: Pad.test.picasoft.net");
    assert.equal(rw("pad.picasoft.net. IN A 10.0.0.1"), "pad.test.picasoft.net. IN A 10.0.0.1");
  });

  it("is idempotent in every spelling, and leaves other domains alone in every spelling", () => {
    for (const text of ["test\\.picasoft\\.net", "pad%2Etest%2Epicasoft%2Enet", "TEST.PICASOFT.NET", "registry\\.picasoft\\.net"]) assert.equal(rw(text), text, text);
    for (const text of ["picasoft\\.network", "picasoft%2Enet%2Eexample%2Eorg", "mypicasoft\\.net"]) assert.equal(rw(text), text, text);
  });

  it("finds what is left, with its position", () => {
    assert.deepEqual(findProductionNames("a pad.picasoft.net b", RULES, REGISTRY), [{ index: 6, text: "picasoft.net", replacement: "test.picasoft.net" }]);
    assert.deepEqual(findProductionNames("registry.picasoft.net/x and test.picasoft.net", RULES, REGISTRY), []);
  });
});
