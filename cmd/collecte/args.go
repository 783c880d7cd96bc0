package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errFlagParse marks a flag error that the flag package already printed.
var errFlagParse = errors.New("invalid flags")

// flagOutput is the output of a command's flag set: errors and the usage
// that follows them go to stderr, and the usage requested with --help goes
// to help, the command's stdout.
type flagOutput struct {
	io.Writer
	help io.Writer
}

// newFlags returns a flag set whose usage text lists the synopsis, the
// flags and the exit codes.
func newFlags(e *env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(&flagOutput{Writer: e.stderr, help: e.stdout})
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: collecte %s %s\n\n%s\n\nFlags:\n", name, synopsis, about)
		fs.PrintDefaults()
		fmt.Fprint(w, exitStatusHelp)
	}
	return fs
}

// parse parses args, flags and positional arguments in any order, and
// checks that at most maxArgs positional arguments remain in fs.Args().
// Everything after "--" is positional. --help prints the usage on stdout
// and returns flag.ErrHelp. A flag error prints the message and the usage
// on stderr and returns errFlagParse.
func parse(fs *flag.FlagSet, args []string, maxArgs int) error {
	flags, positional := splitArgs(fs, args)

	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(flags)
	if err == nil {
		// Parsing "--" alone stops at once and leaves the positional
		// arguments in fs.Args().
		err = fs.Parse(append([]string{"--"}, positional...))
	}
	fs.Usage = usage

	switch {
	case errors.Is(err, flag.ErrHelp):
		printHelp(fs)
		return err
	case err != nil:
		fs.Usage()
		return errFlagParse
	}

	if fs.NArg() > maxArgs {
		return &usageError{fmt.Sprintf("%s: too many arguments: %q", fs.Name(), fs.Args())}
	}
	return nil
}

// printHelp prints the usage of fs on the help output of newFlags.
func printHelp(fs *flag.FlagSet) {
	out, ok := fs.Output().(*flagOutput)
	if !ok {
		fs.Usage()
		return
	}
	fs.SetOutput(out.help)
	fs.Usage()
	fs.SetOutput(out)
}

// splitArgs separates the flags of args, each with its value, from the
// positional arguments, so that flags may follow the arguments, as in
// "diff A B --format text". Everything after "--" is positional, and a
// lone "-" is positional. An unknown flag stays in flags, where the flag
// package reports it.
func splitArgs(fs *flag.FlagSet, args []string) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			return flags, append(positional, args[i+1:]...)
		case len(arg) < 2 || arg[0] != '-':
			positional = append(positional, arg)
			continue
		}

		flags = append(flags, arg)
		if takesValue(fs, arg) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, positional
}

// takesValue reports whether arg, such as "--format", names a flag of fs
// whose value is the next argument: a known flag that is not boolean,
// written without "=value".
func takesValue(fs *flag.FlagSet, arg string) bool {
	name := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	if strings.Contains(name, "=") {
		return false
	}
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}
