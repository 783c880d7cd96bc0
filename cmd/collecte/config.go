package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/collecte-cacem/collecte/config"
)

// configFlags are the flags shared by the daemon and config commands: the
// configuration file and one flag per key.
type configFlags struct {
	file   string
	values map[string]string
}

func (f *configFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.file, "config", "", "YAML configuration file (default: none, only the environment and flags)")
	f.values = map[string]string{}
	config.RegisterFlags(fs, f.values)
}

func (f *configFlags) load() (*config.Config, error) {
	return config.Load(config.Sources{File: f.file, Getenv: os.LookupEnv, Flags: f.values})
}

// withKeys appends the table of configuration keys to the usage of fs.
func withKeys(fs *flag.FlagSet) {
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprintln(fs.Output())
		config.WriteHelp(fs.Output())
	}
}

func runConfig(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "config", "[--config FILE] [flags]",
		"Print the effective configuration of the daemon as YAML, with every default\n"+
			"filled in and the secrets redacted, or every invalid key with its value.\n"+
			config.Precedence)
	var cf configFlags
	cf.register(fs)
	withKeys(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}

	cfg, err := cf.load()
	if err != nil {
		return err
	}
	return config.WriteYAML(e.stdout, cfg)
}
