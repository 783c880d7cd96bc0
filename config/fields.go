package config

import (
	"fmt"
	"strconv"
	"time"
)

// The builders below make one Option per field kind. A check returns the
// reason a value is invalid, which validate wraps with the key and value.

func str(key, def string, check func(string) error, doc string, field func(*Config) *string) Option {
	return Option{
		Key: key, Default: def, Doc: doc, Env: envName(key), Flag: flagName(key),
		get: func(c *Config) string { return *field(c) },
		set: func(c *Config, v string) error {
			*field(c) = v
			return nil
		},
		check: wrapCheck(key, func(c *Config) (string, error) { return *field(c), checkOrNil(check, *field(c)) }),
	}
}

func num(key string, def int, check func(int) error, doc string, field func(*Config) *int) Option {
	return Option{
		Key: key, Default: strconv.Itoa(def), Doc: doc, Env: envName(key), Flag: flagName(key),
		get: func(c *Config) string { return strconv.Itoa(*field(c)) },
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("want an integer")
			}
			*field(c) = n
			return nil
		},
		check: wrapCheck(key, func(c *Config) (string, error) {
			return strconv.Itoa(*field(c)), check(*field(c))
		}),
	}
}

func dur(key string, def time.Duration, check func(time.Duration) error, doc string, field func(*Config) *time.Duration) Option {
	return Option{
		Key: key, Default: def.String(), Doc: doc, Env: envName(key), Flag: flagName(key),
		get: func(c *Config) string { return field(c).String() },
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("want a duration with its unit, such as 500ms, 30s or 6h")
			}
			*field(c) = d
			return nil
		},
		check: wrapCheck(key, func(c *Config) (string, error) {
			return field(c).String(), check(*field(c))
		}),
	}
}

func boolean(key string, def bool, doc string, field func(*Config) *bool) Option {
	return Option{
		Key: key, Default: strconv.FormatBool(def), Doc: doc, Env: envName(key), Flag: flagName(key),
		get: func(c *Config) string { return strconv.FormatBool(*field(c)) },
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("want true or false")
			}
			*field(c) = b
			return nil
		},
	}
}

// secret declares a value that only the environment sets: flags show in
// the process list and the file is often world-readable.
func secret(key, env, doc string, field func(*Config) *Secret) Option {
	return Option{
		Key: key, Doc: doc, Env: env, Secret: true,
		get: func(c *Config) string { return field(c).String() },
		set: func(c *Config, v string) error {
			*field(c) = Secret(v)
			return nil
		},
	}
}

// list declares a key of the watchers list, which only the file sets and
// validateWatchers checks.
func list(key, doc string) Option {
	return Option{Key: key, Doc: doc}
}

func wrapCheck(key string, check func(c *Config) (string, error)) func(c *Config) error {
	return func(c *Config) error {
		value, err := check(c)
		if err != nil {
			return &InvalidError{Key: key, Value: value, Reason: err.Error()}
		}
		return nil
	}
}

func checkOrNil(check func(string) error, v string) error {
	if check == nil {
		return nil
	}
	return check(v)
}

// InvalidError reports a configuration value that failed its validation.
type InvalidError struct {
	Key    string
	Value  string
	Reason string
}

// Error names the key, the value and what a valid value looks like.
func (e *InvalidError) Error() string {
	return fmt.Sprintf("invalid %s %q: %s", e.Key, e.Value, e.Reason)
}
