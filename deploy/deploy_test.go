// Package deploy_test checks the deployment artifacts in deploy/ against the
// binary they deploy: the Dockerfile's build line is run as written, and
// every flag and environment variable the Kubernetes manifest and the
// systemd unit set must be one `sigil serve` reads, so that a renamed flag
// breaks this test instead of a rollout.
package deploy_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// sigilBin is built once by the Dockerfile's own build line (TestMain).
var sigilBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sigil-deploy")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		df, err := parseDockerfile("Dockerfile")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if sigilBin, err = df.build(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// dockerfile is the parsed deploy/Dockerfile: its instructions (continuation
// lines joined), in order.
type dockerfile struct {
	instructions []instruction
}

type instruction struct {
	cmd  string // upper case: FROM, RUN, USER, ...
	args string
}

func parseDockerfile(path string) (*dockerfile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	df := &dockerfile{}
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		df.instructions = append(df.instructions, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	return df, nil
}

// stages splits the instructions at each FROM.
func (df *dockerfile) stages() [][]instruction {
	var out [][]instruction
	for _, in := range df.instructions {
		if in.cmd == "FROM" {
			out = append(out, nil)
		}
		if len(out) > 0 {
			out[len(out)-1] = append(out[len(out)-1], in)
		}
	}
	return out
}

// goBuild returns the one RUN line of the build stages that runs go build:
// its leading VAR=value assignments and the go command's words.
func (df *dockerfile) goBuild() (env, argv []string, err error) {
	for _, in := range df.instructions {
		if in.cmd != "RUN" || !strings.Contains(in.args, "go build") {
			continue
		}
		if argv != nil {
			return nil, nil, errors.New("more than one RUN go build line")
		}
		words, err := shellWords(in.args)
		if err != nil {
			return nil, nil, fmt.Errorf("RUN %s: %w", in.args, err)
		}
		for len(words) > 0 && strings.Contains(words[0], "=") {
			env, words = append(env, words[0]), words[1:]
		}
		if len(words) < 2 || words[0] != "go" || words[1] != "build" {
			return nil, nil, fmt.Errorf("RUN %s: want VAR=value ... go build ..., with no other command", in.args)
		}
		argv = words
	}
	if argv == nil {
		return nil, nil, errors.New("no RUN go build line in the Dockerfile")
	}
	return env, argv, nil
}

// build runs the Dockerfile's go build line from the repository root (the
// build context, copied to the stage's WORKDIR), writing the binary into
// dir instead of the -o path of the image.
func (df *dockerfile) build(dir string) (string, error) {
	env, argv, err := df.goBuild()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "sigil")
	args := slices.Clone(argv[1:])
	i := slices.Index(args, "-o")
	if i < 0 || i+1 >= len(args) {
		return "", fmt.Errorf("%q: no -o output", argv)
	}
	args[i+1] = out
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("the Dockerfile's build %q failed: %w", strings.Join(append(env, argv...), " "), err)
	}
	return out, nil
}

// shellWords splits a command line as sh does for the simple cases a
// Dockerfile RUN line uses: blanks separate words, double and single quotes
// group. Anything else shell-like (pipes, &&, $) is refused, so that the
// line the test runs is the line Docker runs.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		case strings.ContainsRune("|&;<>$`\\()", r):
			return nil, fmt.Errorf("shell syntax %q is not supported here", r)
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// serveOptions runs `sigil serve --help` and returns the flags and the
// SIGIL_* environment variables it documents.
func serveOptions(t *testing.T) (flags, env map[string]bool) {
	t.Helper()
	out, err := exec.Command(sigilBin, "serve", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("sigil serve --help: %v\n%s", err, out)
	}
	flags, env = map[string]bool{}, map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z0-9-]+)`).FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`\(env (SIGIL_[A-Z0-9_]+)\)`).FindAllStringSubmatch(string(out), -1) {
		env[m[1]] = true
	}
	// Guard the parsing itself: these are certainly there.
	for _, f := range []string{"issuer", "dsn", "admin-token", "system-secret", "data-dir"} {
		if !flags[f] || !env["SIGIL_"+strings.ToUpper(strings.ReplaceAll(f, "-", "_"))] {
			t.Fatalf("could not read --%s and its variable from sigil serve --help:\n%s", f, out)
		}
	}
	return flags, env
}

// TestDockerfileBuildsTheCIBinary: the build line is CI's `go build
// ./cmd/sigil`, static and path-free, on the Go version go.mod names, and
// the binary it makes runs --help and serves until ready.
func TestDockerfileBuildsTheCIBinary(t *testing.T) {
	df, err := parseDockerfile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	env, argv, err := df.goBuild()
	if err != nil {
		t.Fatal(err)
	}
	if argv[len(argv)-1] != "./cmd/sigil" {
		t.Errorf("go build builds %q, want ./cmd/sigil (the package CI builds)", argv[len(argv)-1])
	}
	if !slices.Contains(env, "CGO_ENABLED=0") {
		t.Errorf("build env %q lacks CGO_ENABLED=0: the final image has no C library", env)
	}
	if !slices.Contains(argv, "-trimpath") {
		t.Errorf("go build %q lacks -trimpath", argv)
	}

	// The builder's Go is the one go.mod asks for.
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("no go directive in go.mod")
	}
	from := df.stages()[0][0].args
	if !strings.HasPrefix(from, "golang:"+string(m[1])) {
		t.Errorf("builder stage FROM %s, want golang:%s (go.mod)", from, m[1])
	}

	for _, args := range [][]string{{"--help"}, {"serve", "--help"}} {
		out, err := exec.Command(sigilBin, args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Usage:") {
			t.Errorf("sigil %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	// The static binary serves: the CGO-free builds of SQLite and of the
	// secp256k1 code are the ones in the image, not the ones e2e/ runs.
	public, admin := freeAddr(t), freeAddr(t)
	serve := exec.Command(sigilBin, "serve", "--dev", "--data-dir", t.TempDir(), "--shutdown-delay", "0s",
		"--issuer", "http://"+public, "--public-addr", public, "--admin-addr", admin)
	var logs bytes.Buffer
	serve.Stdout, serve.Stderr = &logs, &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = serve.Process.Signal(os.Interrupt)
		_ = serve.Wait()
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + public + "/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			_ = serve.Process.Kill()
			_ = serve.Wait()
			t.Fatalf("the Dockerfile's binary did not become ready: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestDockerfileRunsAsNonRoot: the final stage sets a non-root USER, exposes
// both listeners and binds them beyond loopback (the defaults are loopback,
// unreachable from outside a container).
func TestDockerfileRunsAsNonRoot(t *testing.T) {
	df, err := parseDockerfile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stages := df.stages()
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a builder and a final stage", len(stages))
	}
	final := stages[len(stages)-1]
	var user, expose, envs []string
	for _, in := range final {
		switch in.cmd {
		case "USER":
			user = append(user, in.args)
		case "EXPOSE":
			expose = append(expose, strings.Fields(in.args)...)
		case "ENV":
			envs = append(envs, strings.Fields(in.args)...)
		}
	}
	if len(user) == 0 {
		t.Fatal("the final stage has no USER: it would run as root")
	}
	name, _, _ := strings.Cut(user[len(user)-1], ":")
	if name == "root" || name == "0" {
		t.Fatalf("USER %s is root", user[len(user)-1])
	}
	if !slices.Contains(expose, "4444") || !slices.Contains(expose, "4445") {
		t.Errorf("EXPOSE %q, want 4444 and 4445", expose)
	}
	for _, want := range []string{"SIGIL_PUBLIC_ADDR=:4444", "SIGIL_ADMIN_ADDR=:4445"} {
		if !slices.Contains(envs, want) {
			t.Errorf("final stage ENV %q lacks %s", envs, want)
		}
	}
}

// manifest is the part of a Kubernetes object this test reads.
type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Replicas *int `yaml:"replicas"`
		Template struct {
			Spec struct {
				TerminationGracePeriodSeconds *int `yaml:"terminationGracePeriodSeconds"`
				SecurityContext               struct {
					RunAsNonRoot *bool `yaml:"runAsNonRoot"`
					RunAsUser    *int  `yaml:"runAsUser"`
				} `yaml:"securityContext"`
				Containers []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type container struct {
	Name  string `yaml:"name"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
	} `yaml:"securityContext"`
}

type probe struct {
	HTTPGet *struct {
		Path string    `yaml:"path"`
		Port yaml.Node `yaml:"port"` // a number or a port name
	} `yaml:"httpGet"`
}

func loadManifests(t *testing.T) []manifest {
	t.Helper()
	f, err := os.Open("kubernetes/sigil.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(false)
	var out []manifest
	for {
		var m manifest
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("kubernetes/sigil.yaml does not parse: %v", err)
		}
		if m.Kind == "" {
			t.Fatalf("a document of kubernetes/sigil.yaml has no kind")
		}
		out = append(out, m)
	}
	return out
}

// TestKubernetesManifest: the manifest parses; the Deployment runs three
// non-root replicas on a read-only root file system with resources; the
// probes ask /health/alive and /health/ready on the port the env binds;
// every variable it sets is one Sigil reads and every secret it references
// exists; the grace period outlasts --shutdown-delay.
func TestKubernetesManifest(t *testing.T) {
	_, known := serveOptions(t)
	objects := loadManifests(t)
	secrets := map[string]map[string]string{}
	var deployment *manifest
	kinds := map[string]bool{}
	for i, m := range objects {
		kinds[m.Kind] = true
		switch m.Kind {
		case "Secret":
			secrets[m.Metadata.Name] = m.StringData
		case "Deployment":
			deployment = &objects[i]
		}
	}
	for _, k := range []string{"Deployment", "Service", "Secret"} {
		if !kinds[k] {
			t.Errorf("no %s in the manifest", k)
		}
	}
	if deployment == nil {
		t.FailNow()
	}
	spec := deployment.Spec.Template.Spec
	if deployment.Spec.Replicas == nil || *deployment.Spec.Replicas != 3 {
		t.Errorf("replicas %v, want 3", deployment.Spec.Replicas)
	}
	if sc := spec.SecurityContext; sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("pod securityContext must set runAsNonRoot and a non-zero runAsUser")
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]
	if sc := c.SecurityContext; sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container securityContext must set readOnlyRootFilesystem and forbid privilege escalation")
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("resources %+v: want cpu and memory requests and a memory limit", c.Resources)
	}

	env := map[string]string{}
	for _, e := range c.Env {
		if !known[e.Name] {
			t.Errorf("env %s is not a variable sigil serve reads", e.Name)
		}
		env[e.Name] = e.Value
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			ref := e.ValueFrom.SecretKeyRef
			v, ok := secrets[ref.Name][ref.Key]
			if !ok {
				t.Errorf("env %s references secret %s key %s, which the manifest does not define", e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = v
		}
	}
	for _, want := range []string{"SIGIL_ISSUER", "SIGIL_DSN", "SIGIL_ADMIN_TOKEN", "SIGIL_SYSTEM_SECRET", "SIGIL_PUBLIC_ADDR", "SIGIL_SHUTDOWN_DELAY"} {
		if _, ok := env[want]; !ok {
			t.Errorf("the Deployment does not set %s", want)
		}
	}

	// Probes: the right paths, on a port the env actually binds.
	bound := map[int]bool{}
	for _, name := range []string{"SIGIL_PUBLIC_ADDR", "SIGIL_ADMIN_ADDR"} {
		if _, port, ok := strings.Cut(env[name], ":"); ok {
			p, _ := strconv.Atoi(port)
			bound[p] = true
		}
	}
	portOf := func(n yaml.Node) int {
		if p, err := strconv.Atoi(n.Value); err == nil {
			return p
		}
		for _, p := range c.Ports {
			if p.Name == n.Value {
				return p.ContainerPort
			}
		}
		return 0
	}
	for name, tc := range map[string]struct {
		p    *probe
		path string
	}{"liveness": {c.LivenessProbe, "/health/alive"}, "readiness": {c.ReadinessProbe, "/health/ready"}} {
		if tc.p == nil || tc.p.HTTPGet == nil {
			t.Errorf("no %s httpGet probe", name)
			continue
		}
		if tc.p.HTTPGet.Path != tc.path {
			t.Errorf("%s probe path %s, want %s", name, tc.p.HTTPGet.Path, tc.path)
		}
		if port := portOf(tc.p.HTTPGet.Port); !bound[port] {
			t.Errorf("%s probe port %q (%d) is not a port the env binds %v", name, tc.p.HTTPGet.Port.Value, port, bound)
		}
	}

	// The kubelet must not SIGKILL a node still in its shutdown delay.
	delay, err := time.ParseDuration(env["SIGIL_SHUTDOWN_DELAY"])
	if err != nil {
		t.Errorf("SIGIL_SHUTDOWN_DELAY %q: %v", env["SIGIL_SHUTDOWN_DELAY"], err)
	}
	if g := spec.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second < delay+10*time.Second {
		t.Errorf("terminationGracePeriodSeconds %v must exceed SIGIL_SHUTDOWN_DELAY %v plus the drain (10s)", g, delay)
	}

	// The placeholders refuse to start, as the manifest's header says:
	// applying the file unedited cannot run a fleet on a published admin
	// token, system secret or database password, nor trust proxies nobody
	// chose. Every variable that holds one is named, the DSN's password
	// too (a DSN is otherwise valid with any password), and no value is
	// printed.
	cmd := exec.Command(sigilBin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	var placeholders []string
	for k, v := range env {
		if k == "SIGIL_DATA_DIR" {
			v = t.TempDir()
		}
		if strings.Contains(v, "CHANGE-ME") {
			placeholders = append(placeholders, k)
		}
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for _, k := range []string{"SIGIL_DSN", "SIGIL_ADMIN_TOKEN", "SIGIL_SYSTEM_SECRET", "SIGIL_TRUSTED_PROXIES"} {
		if !slices.Contains(placeholders, k) {
			t.Errorf("%s holds no CHANGE-ME placeholder; the manifest's header says it must be replaced", k)
		}
	}
	out, err := cmd.CombinedOutput()
	for _, k := range placeholders {
		flag := "--" + strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(k, "SIGIL_"), "_", "-"))
		want := k + " (" + flag + ") still holds the placeholder CHANGE-ME"
		if err == nil || !strings.Contains(string(out), want) {
			t.Errorf("sigil serve with the manifest's placeholders: %v, want a refusal with %q:\n%s", err, want, out)
		}
	}
	if strings.Contains(string(out), "postgres-rw") {
		t.Errorf("the refusal prints the DSN:\n%s", out)
	}
}

// unit is a systemd unit file: section -> key -> values in order.
type unit map[string]map[string][]string

func parseUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: cannot read line %q", path, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	return u
}

func (u unit) get(section, key string) string {
	vs := u[section][key]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// TestSystemdEnvironmentExample: the environment file the unit's header
// shows can be copied as it is: each line is a variable sigil serve reads
// and a value without spaces, since an EnvironmentFile takes the rest of
// the line as the value (a trailing remark would become part of it);
// explanations sit on comment lines of their own.
func TestSystemdEnvironmentExample(t *testing.T) {
	_, known := serveOptions(t)
	raw, err := os.ReadFile("systemd/sigil.service")
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(string(raw), "\n[Unit]")
	example := regexp.MustCompile(`(?m)^#\s+(SIGIL_[A-Z0-9_]+)=(.*)$`).FindAllStringSubmatch(header, -1)
	if len(example) < 5 {
		t.Fatalf("found %d example variables in the unit's header, want the environment file's lines", len(example))
	}
	for _, m := range example {
		name, value := m[1], m[2]
		if !known[name] {
			t.Errorf("example variable %s is not one sigil serve reads", name)
		}
		if strings.ContainsAny(value, " \t") {
			t.Errorf("example line %s=%q: copied into the EnvironmentFile, the text after the value would be part of it", name, value)
		}
	}
}

// TestSystemdUnit: the unit is hardened, its ExecStart uses only real flags
// of `sigil serve`, systemd waits longer than the shutdown delay before
// SIGKILL, and `systemd-analyze verify` accepts it where the tool exists.
func TestSystemdUnit(t *testing.T) {
	flags, _ := serveOptions(t)
	u := parseUnit(t, "systemd/sigil.service")
	want := map[string]string{
		"Restart": "on-failure", "KillSignal": "SIGTERM", "ProtectSystem": "strict", "NoNewPrivileges": "yes",
		"StateDirectory": "sigil", "EnvironmentFile": "/etc/sigil/sigil.env",
	}
	for k, v := range want {
		if got := u.get("Service", k); got != v {
			t.Errorf("%s=%q, want %q", k, got, v)
		}
	}
	if u.get("Service", "DynamicUser") != "yes" && (u.get("Service", "User") == "" || u.get("Service", "User") == "root") {
		t.Errorf("the unit runs as root: set DynamicUser=yes or a User")
	}

	argv, err := shellWords(strings.ReplaceAll(u.get("Service", "ExecStart"), "${STATE_DIRECTORY}", "/var/lib/sigil"))
	if err != nil {
		t.Fatal(err)
	}
	if len(argv) < 2 || filepath.Base(argv[0]) != "sigil" || argv[1] != "serve" {
		t.Fatalf("ExecStart %q, want sigil serve ...", argv)
	}
	var delay time.Duration
	for i, w := range argv[2:] {
		if !strings.HasPrefix(w, "--") {
			continue
		}
		name, value, inline := strings.Cut(strings.TrimPrefix(w, "--"), "=")
		if !flags[name] {
			t.Errorf("ExecStart flag --%s is not a flag of sigil serve", name)
		}
		if name == "shutdown-delay" {
			if !inline && i+3 < len(argv) {
				value = argv[i+3]
			}
			if delay, err = time.ParseDuration(value); err != nil {
				t.Errorf("--shutdown-delay %q: %v", value, err)
			}
		}
	}
	stop, err := time.ParseDuration(u.get("Service", "TimeoutStopSec"))
	if err != nil || stop <= delay+10*time.Second {
		t.Errorf("TimeoutStopSec %q must exceed --shutdown-delay %v plus the drain (10s)", u.get("Service", "TimeoutStopSec"), delay)
	}

	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed: skipping `systemd-analyze verify` (the checks above ran)")
		return
	}
	// verify requires ExecStart's binary to exist: point it at the one built.
	raw, err := os.ReadFile("systemd/sigil.service")
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "sigil.service")
	if err := os.WriteFile(copyPath, bytes.ReplaceAll(raw, []byte("ExecStart="+argv[0]), []byte("ExecStart="+sigilBin)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "verify", copyPath).CombinedOutput()
	// verify exits 0 on warnings such as an unknown key; those name the file.
	if err != nil || strings.Contains(string(out), "sigil.service") {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
