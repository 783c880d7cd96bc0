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

func (f *configFlags) sources() config.Sources {
	return config.Sources{File: f.file, Getenv: os.LookupEnv, Flags: f.values}
}

// load returns the configuration with its secrets, for the daemon: a
// secret file that cannot be read is an error.
func (f *configFlags) load() (*config.Config, error) {
	return config.Load(f.sources())
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
			"A comment beside each secret's *_file key says where the secret comes from,\n"+
			"or why its file is not readable from here: the files that systemd's\n"+
			"LoadCredential= provides exist only inside the running unit, and the daemon,\n"+
			"unlike this command, fails at start when it cannot read one.\n"+
			config.Precedence)
	var cf configFlags
	cf.register(fs)
	withKeys(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}

	cfg, secrets, err := config.Inspect(cf.sources())
	if err != nil {
		return err
	}
	for _, s := range secrets {
		if s.Err != nil {
			fmt.Fprintf(e.stderr, "collecte: warning: secret of %s not readable here: %v; collecte daemon fails at start unless it can read it\n",
				s.Key, s.Err)
		}
	}
	return config.WriteYAML(e.stdout, cfg, secrets)
}
