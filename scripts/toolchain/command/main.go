// Command pulumi-resource-command is a small Pulumi resource provider built by
// scripts/toolchain.sh. It serves the local part of the "command" package used
// by @pulumi/command: the resource command:local:Command and the function
// command:local:run. Remote (SSH) commands and asset/archive collection are not
// implemented: inputs asking for them are rejected.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

// version is set with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

// CommandArgs are the inputs of command:local:Command.
type CommandArgs struct {
	Create       *string           `pulumi:"create,optional"`
	Update       *string           `pulumi:"update,optional"`
	Delete       *string           `pulumi:"delete,optional"`
	Dir          *string           `pulumi:"dir,optional"`
	Environment  map[string]string `pulumi:"environment,optional"`
	Interpreter  []string          `pulumi:"interpreter,optional"`
	Stdin        *string           `pulumi:"stdin,optional"`
	Triggers     []any             `pulumi:"triggers,optional" provider:"replaceOnChanges"`
	AssetPaths   []string          `pulumi:"assetPaths,optional"`
	ArchivePaths []string          `pulumi:"archivePaths,optional"`
}

// CommandState is the checkpointed state of command:local:Command.
type CommandState struct {
	CommandArgs
	Stdout string `pulumi:"stdout"`
	Stderr string `pulumi:"stderr"`
}

// Command is command:local:Command.
type Command struct{}

func (c *Command) Annotate(a infer.Annotator) {
	a.SetToken("local", "Command")
	a.Describe(c, "Runs a shell command on the machine running Pulumi when the resource is created, updated or deleted.")
}

// RunArgs are the inputs of the command:local:run function.
type RunArgs struct {
	Command     string            `pulumi:"command"`
	Dir         *string           `pulumi:"dir,optional"`
	Environment map[string]string `pulumi:"environment,optional"`
	Interpreter []string          `pulumi:"interpreter,optional"`
	Stdin       *string           `pulumi:"stdin,optional"`
}

// RunResult is the result of the command:local:run function.
type RunResult struct {
	RunArgs
	Stdout string `pulumi:"stdout"`
	Stderr string `pulumi:"stderr"`
}

// Run is command:local:run.
type Run struct{}

func (r *Run) Annotate(a infer.Annotator) {
	a.SetToken("local", "run")
	a.Describe(r, "Runs a shell command on the machine running Pulumi and returns its output.")
}

func (*Run) Invoke(ctx context.Context, req infer.FunctionRequest[RunArgs]) (infer.FunctionResponse[RunResult], error) {
	in := req.Input
	out, errOut, err := run(ctx, in.Command, in.Dir, in.Environment, in.Interpreter, in.Stdin, nil)
	return infer.FunctionResponse[RunResult]{Output: RunResult{RunArgs: in, Stdout: out, Stderr: errOut}}, err
}

// run executes command through the interpreter (default: /bin/sh -c) and
// returns its standard output and error, trimmed of trailing newlines.
func run(ctx context.Context, command string, dir *string, env map[string]string, interpreter []string,
	stdin *string, extraEnv []string,
) (string, string, error) {
	if len(interpreter) == 0 {
		interpreter = []string{"/bin/sh", "-c"}
	}
	args := append(append([]string{}, interpreter[1:]...), command)
	cmd := exec.CommandContext(ctx, interpreter[0], args...)
	if dir != nil && *dir != "" {
		cmd.Dir = *dir
	}
	cmd.Env = os.Environ()
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	cmd.Env = append(cmd.Env, extraEnv...)
	if stdin != nil {
		cmd.Stdin = strings.NewReader(*stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o := strings.TrimRight(stdout.String(), "\n")
	e := strings.TrimRight(stderr.String(), "\n")
	if err != nil {
		return o, e, fmt.Errorf("command %q failed: %w\nstdout: %s\nstderr: %s", command, err, o, e)
	}
	return o, e, nil
}

func check(in CommandArgs) error {
	if len(in.AssetPaths) > 0 || len(in.ArchivePaths) > 0 {
		return errors.New("assetPaths and archivePaths are not supported by this build of the command provider")
	}
	return nil
}

func (*Command) Create(ctx context.Context, req infer.CreateRequest[CommandArgs]) (infer.CreateResponse[CommandState], error) {
	state := CommandState{CommandArgs: req.Inputs}
	id := req.Name
	if err := check(req.Inputs); err != nil {
		return infer.CreateResponse[CommandState]{}, err
	}
	if req.DryRun || req.Inputs.Create == nil {
		return infer.CreateResponse[CommandState]{ID: id, Output: state}, nil
	}
	in := req.Inputs
	out, errOut, err := run(ctx, *in.Create, in.Dir, in.Environment, in.Interpreter, in.Stdin, nil)
	state.Stdout, state.Stderr = out, errOut
	return infer.CreateResponse[CommandState]{ID: id, Output: state}, err
}

func (*Command) Update(ctx context.Context, req infer.UpdateRequest[CommandArgs, CommandState]) (infer.UpdateResponse[CommandState], error) {
	state := CommandState{CommandArgs: req.Inputs, Stdout: req.State.Stdout, Stderr: req.State.Stderr}
	if err := check(req.Inputs); err != nil {
		return infer.UpdateResponse[CommandState]{}, err
	}
	in := req.Inputs
	command := in.Update
	if command == nil {
		command = in.Create
	}
	if req.DryRun || command == nil {
		return infer.UpdateResponse[CommandState]{Output: state}, nil
	}
	out, errOut, err := run(ctx, *command, in.Dir, in.Environment, in.Interpreter, in.Stdin,
		[]string{"PULUMI_COMMAND_STDOUT=" + req.State.Stdout, "PULUMI_COMMAND_STDERR=" + req.State.Stderr})
	state.Stdout, state.Stderr = out, errOut
	return infer.UpdateResponse[CommandState]{Output: state}, err
}

func (*Command) Delete(ctx context.Context, req infer.DeleteRequest[CommandState]) (infer.DeleteResponse, error) {
	s := req.State
	if s.Delete == nil {
		return infer.DeleteResponse{}, nil
	}
	_, _, err := run(ctx, *s.Delete, s.Dir, s.Environment, s.Interpreter, s.Stdin,
		[]string{"PULUMI_COMMAND_STDOUT=" + s.Stdout, "PULUMI_COMMAND_STDERR=" + s.Stderr})
	return infer.DeleteResponse{}, err
}

func main() {
	prov, err := infer.NewProviderBuilder().
		WithDisplayName("Command").
		WithDescription("Run local commands as part of a Pulumi deployment.").
		WithResources(infer.Resource(&Command{})).
		WithFunctions(infer.Function(&Run{})).
		Build()
	if err == nil {
		err = p.RunProvider(context.Background(), "command", version, prov)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
