package config

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the generated table in README.md")

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestDefaults(t *testing.T) {
	c, err := Load(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"source", c.Source, "cacem-v1"},
		{"url", c.URL, "https://api.cacem.fr"},
		{"listen", c.Listen, "127.0.0.1:8080"},
		{"public_url", c.PublicURL, "http://127.0.0.1:8080"},
		{"timezone", c.Location.String(), "America/Martinique"},
		{"schedule", c.Schedule, "0 6 * * *"},
		{"smtp.tls", c.SMTP.TLS, "starttls"},
		{"push.branch", c.Push.Branch, "main"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if c.AlertAfter != 3 || c.Parallel != 2 || c.Delay != 500*time.Millisecond || c.Timeout != 30*time.Second {
		t.Errorf("alert_after, parallel, delay, timeout = %d, %d, %v, %v; want 3, 2, 500ms, 30s",
			c.AlertAfter, c.Parallel, c.Delay, c.Timeout)
	}
}

func TestFileErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown top-level key", "source: cacem-v1\nshedule: daily\n", []string{`line 2`, `unknown key "shedule"`}},
		{"unknown smtp key", "smtp:\n  host: h\n  passwd: x\n", []string{`line 3`, `unknown key "smtp.passwd"`}},
		{"secret in file", "smtp:\n  password: hunter2\n", []string{`unknown key "smtp.password"`, "COLLECTE_SMTP_PASSWORD"}},
		{"unknown watcher key", "watchers:\n  - email: a@example.org\n    commune: [X]\n", []string{`line 3`, `"watchers[].commune"`}},
		{"bad duration", "delay: fast\n", []string{"line 1", "fast"}},
		{"bad schedule", "schedule: \"61 * * * *\"\n", []string{`invalid schedule "61 * * * *"`, "@every 6h"}},
		{"bad timezone", "timezone: Mars/Olympus\n", []string{`invalid timezone "Mars/Olympus"`, "IANA"}},
		{"bad source", "source: cacem-v3\n", []string{`invalid source "cacem-v3"`, "cacem-legacy"}},
		{"bad port", "smtp:\n  port: 70000\n", []string{`invalid smtp.port "70000"`, "1 to 65535"}},
		{"bad tls", "smtp:\n  tls: ssl\n", []string{`invalid smtp.tls "ssl"`, "starttls"}},
		{"bad listen", "listen: 8080\n", []string{`invalid listen "8080"`, "host:port"}},
		{"bad watcher email", "smtp: {host: h, from: f@example.org}\nwatchers:\n  - email: nobody\n", []string{`invalid watchers[0].email "nobody"`}},
		{"bad watcher flux", "smtp: {host: h, from: f@example.org}\nwatchers:\n  - email: a@example.org\n    flux: [XX]\n", []string{`invalid watchers[0].flux "XX"`, "OM, RS"}},
		{"watchers without smtp", "watchers:\n  - email: a@example.org\n", []string{"smtp.host is empty"}},
		{"password in clear", "smtp: {host: mail.example.org, from: f@example.org, username: u, tls: none}\n", []string{`invalid smtp.tls "none"`, "unencrypted"}},
		{"token and key", "push: {url: ssh://git@h/r.git, token_file: /t, ssh_key_file: /k}\n", []string{"both set"}},
		{"negative jitter", "jitter: -1s\n", []string{`invalid jitter "-1s"`, "negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(Sources{File: writeFile(t, "c.yaml", tt.yaml)})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "c.yaml", "listen: 127.0.0.1:1001\nparallel: 3\ndelay: 1s\nschedule: '@every 1h'\n")
	env := envOf(map[string]string{"COLLECTE_LISTEN": "127.0.0.1:1002", "COLLECTE_PARALLEL": "4"})
	flags := map[string]string{"listen": "127.0.0.1:1003"}

	c, err := Load(Sources{File: file, Getenv: env, Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:1003" {
		t.Errorf("listen = %s, want the flag's 127.0.0.1:1003", c.Listen)
	}
	if c.Parallel != 4 {
		t.Errorf("parallel = %d, want the environment's 4", c.Parallel)
	}
	if c.Delay != time.Second {
		t.Errorf("delay = %v, want the file's 1s", c.Delay)
	}
	if c.Timeout != 30*time.Second {
		t.Errorf("timeout = %v, want the default 30s", c.Timeout)
	}
}

func TestInvalidEnvAndFlag(t *testing.T) {
	_, err := Load(Sources{Getenv: envOf(map[string]string{"COLLECTE_PARALLEL": "two"})})
	if err == nil || !strings.Contains(err.Error(), "COLLECTE_PARALLEL") || !strings.Contains(err.Error(), `"two"`) {
		t.Errorf("environment error = %v, want it to name COLLECTE_PARALLEL and \"two\"", err)
	}
	_, err = Load(Sources{Flags: map[string]string{"timeout": "soon"}})
	if err == nil || !strings.Contains(err.Error(), "--timeout") {
		t.Errorf("flag error = %v, want it to name --timeout", err)
	}
}

func TestSecrets(t *testing.T) {
	pw := writeFile(t, "pw", "from-file\n")
	file := writeFile(t, "c.yaml", "smtp: {host: h, from: f@example.org, password_file: "+pw+"}\n")

	c, err := Load(Sources{File: file})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.SMTP.Password.Reveal(); got != "from-file" {
		t.Errorf("password = %q, want from-file", got)
	}

	env := envOf(map[string]string{"COLLECTE_SMTP_PASSWORD": "from-env", "COLLECTE_RUN_TOKEN": "tok"})
	c, err = Load(Sources{File: file, Getenv: env})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.SMTP.Password.Reveal(); got != "from-env" {
		t.Errorf("password = %q, want the environment's from-env", got)
	}
	if got := c.RunToken.Reveal(); got != "tok" {
		t.Errorf("run token = %q, want tok", got)
	}

	_, err = Load(Sources{File: writeFile(t, "c.yaml", "run_token_file: /nonexistent/token\n")})
	if err == nil || !strings.Contains(err.Error(), "run_token_file") {
		t.Errorf("missing token file error = %v, want it to name run_token_file", err)
	}
}

func TestWriteYAMLRedacts(t *testing.T) {
	tok := writeFile(t, "tok", "s3cr3t-token\n")
	file := writeFile(t, "c.yaml", "run_token_file: "+tok+"\nsmtp: {host: h, from: f@example.org}\n"+
		"watchers:\n  - email: a@example.org\n    communes: [SCHOELCHER]\n")
	env := envOf(map[string]string{"COLLECTE_SMTP_PASSWORD": "pa55word"})
	c, secrets, err := Inspect(Sources{File: file, Getenv: env})
	if err != nil {
		t.Fatal(err)
	}

	var b bytes.Buffer
	if err := WriteYAML(&b, c, secrets); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, s := range []string{"s3cr3t-token", "pa55word"} {
		if strings.Contains(out, s) {
			t.Errorf("output contains the secret %q:\n%s", s, out)
		}
	}
	if strings.Count(out, redacted) != 2 {
		t.Errorf("output marks %d secrets as redacted, want 2:\n%s", strings.Count(out, redacted), out)
	}
	for _, want := range []string{"run_token_file: " + tok + " # secret read from this file: [redacted]",
		`password_file: "" # secret from $COLLECTE_SMTP_PASSWORD: [redacted]`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	again, err := Load(Sources{File: writeFile(t, "again.yaml", out), Getenv: env})
	if err != nil {
		t.Fatalf("printed configuration does not load back: %v\n%s", err, out)
	}
	if again.Watchers[0].Communes[0] != "SCHOELCHER" || again.Listen != c.Listen {
		t.Errorf("reloaded configuration differs: %+v", again)
	}
}

// TestInspectUnreadableSecret loads a configuration whose secret files
// exist only inside the systemd unit, as the example's do.
func TestInspectUnreadableSecret(t *testing.T) {
	file := writeFile(t, "c.yaml", "run_token_file: /nonexistent/run-token\n"+
		"smtp: {host: h, from: f@example.org, username: u, password_file: /nonexistent/smtp-password}\n")

	c, secrets, err := Inspect(Sources{File: file})
	if err != nil {
		t.Fatalf("inspect: %v, want the configuration without its secrets", err)
	}
	if len(secrets) != 3 || secrets[0].Err == nil || secrets[1].Err == nil || secrets[2].Err != nil {
		t.Fatalf("secrets = %+v, want errors for run_token_file and smtp.password_file only", secrets)
	}
	var b bytes.Buffer
	if err := WriteYAML(&b, c, secrets); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(b.String(), "secret file not readable from here"); got != 2 {
		t.Errorf("output marks %d secret files as not readable, want 2:\n%s", got, b.String())
	}

	_, err = Load(Sources{File: file})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "read run_token_file: open /nonexistent/run-token") {
		t.Errorf("load = %v, want the unreadable run_token_file as an invalid configuration", err)
	}
}

func TestLoadErrorsMatchErrInvalid(t *testing.T) {
	tests := []struct {
		name string
		src  Sources
	}{
		{"missing file", Sources{File: "/nonexistent/collecte.yaml"}},
		{"unknown key", Sources{File: writeFile(t, "c.yaml", "smtp_host: x\n")}},
		{"invalid value", Sources{File: writeFile(t, "c.yaml", "parallel: 0\n")}},
		{"invalid environment", Sources{Getenv: envOf(map[string]string{"COLLECTE_DELAY": "soon"})}},
		{"empty secret file", Sources{File: writeFile(t, "c.yaml", "run_token_file: "+writeFile(t, "tok", "\n")+"\n")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.src)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not match ErrInvalid", err)
			}
		})
	}
	var invalid *InvalidError
	if _, err := Load(Sources{File: writeFile(t, "c.yaml", "timeout: 0s\n")}); !errors.As(err, &invalid) || invalid.Key != "timeout" {
		t.Errorf("error %v does not wrap the InvalidError of timeout", err)
	}
}

func TestREADMEListsEveryKey(t *testing.T) {
	path := filepath.Join("..", "README.md")
	var table bytes.Buffer
	WriteMarkdown(&table)
	const begin, end = "<!-- config table: begin -->\n", "<!-- config table: end -->"

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %q and %q", path, begin, end)
	}
	if *update {
		readme = readme[:i+len(begin)] + table.String() + readme[j:]
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got := readme[i+len(begin) : j]; got != table.String() {
		t.Errorf("configuration table of %s is stale: run go test ./config -update", path)
	}
	for _, o := range Options() {
		if !strings.Contains(readme, "`"+o.Key+"`") {
			t.Errorf("%s does not mention %s", path, o.Key)
		}
	}
}

func TestHelpListsEveryKey(t *testing.T) {
	var b bytes.Buffer
	WriteHelp(&b)
	for _, o := range Options() {
		if !strings.Contains(b.String(), "  "+o.Key) {
			t.Errorf("help does not list %s", o.Key)
		}
	}
	if !strings.Contains(b.String(), "flags, environment,\nconfiguration file, defaults") {
		t.Error("help does not state the precedence")
	}
}

func TestRegisterFlags(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	values := map[string]string{}
	RegisterFlags(fs, values)
	if err := fs.Parse([]string{"--smtp-host", "mail.example.org", "--run-at-start"}); err != nil {
		t.Fatal(err)
	}
	if values["smtp.host"] != "mail.example.org" || values["run_at_start"] != "true" {
		t.Errorf("values = %v, want smtp.host and run_at_start", values)
	}
	if fs.Lookup("smtp-password") != nil {
		t.Error("a secret has a flag, which would show in the process list")
	}
}

// TestDeployExamplesLoad loads the configurations of deploy/, with their
// secret files moved into a temporary directory.
func TestDeployExamplesLoad(t *testing.T) {
	secrets := t.TempDir()
	for _, name := range []string{"run-token", "smtp-password"} {
		if err := os.WriteFile(filepath.Join(secrets, name), []byte("x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"collecte.example.yaml", "collecte.compose.yaml"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "deploy", name))
			if err != nil {
				t.Fatal(err)
			}
			text := strings.ReplaceAll(string(data), "/run/credentials/collecte.service", secrets)
			c, err := Load(Sources{File: writeFile(t, name, text)})
			if err != nil {
				t.Fatalf("load %s: %v", name, err)
			}
			if len(c.Watchers) == 0 || c.SMTP.Host == "" {
				t.Errorf("%s: watchers %d, smtp.host %q; want watchers and a mail server", name, len(c.Watchers), c.SMTP.Host)
			}
		})
	}
}
