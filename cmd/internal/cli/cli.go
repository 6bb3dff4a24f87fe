// Package cli holds what the kiosk and central binaries share in their
// wiring: reading TOML configuration, logging set-up and exit codes.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// UsageError is bad input from the person at the terminal: exit code 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error { return &UsageError{fmt.Sprintf(format, args...)} }

// ExitCode maps an error to the process exit code: 0 for nil, 2 for bad
// input (usage, configuration), 1 for anything else.
func ExitCode(err error) int {
	var ue *UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	default:
		return 1
	}
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// LoadTOML decodes the file at path over dst (which holds the defaults).
// ${NAME} outside comment lines is replaced by the environment variable NAME (for secrets); an
// unset variable, an unknown key or a value of the wrong type is a
// *UsageError that names it.
func LoadTOML(path string, dst any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return Usagef("read configuration: %v", err)
	}
	var missing []string
	expand := func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		v, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return v
	}
	lines := strings.SplitAfter(string(b), "\n")
	for i, line := range lines {
		// A comment line may mention ${NAME} (config.example.toml does) without
		// the variable having to be set.
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			lines[i] = envRef.ReplaceAllStringFunc(line, expand)
		}
	}
	text := strings.Join(lines, "")
	if len(missing) > 0 {
		return Usagef("%s: environment variable %s is not set", path, strings.Join(missing, ", "))
	}
	md, err := toml.Decode(text, dst)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Usagef("%s: %s", path, pe.ErrorWithPosition())
		}
		return Usagef("%s: %v", path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		keys := make([]string, len(undecoded))
		for i, k := range undecoded {
			keys[i] = k.String()
		}
		return Usagef("%s: unknown key %s (see config.example.toml for the keys)", path, strings.Join(keys, ", "))
	}
	return nil
}

// NewLogger returns a slog logger writing text or JSON to w at level.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// ParseGlobal parses a program's global flags (-config FILE) from args and
// returns the configuration path and the command with its arguments. With
// -h it prints usage to stdout and reports help; a bad flag is a UsageError.
func ParseGlobal(name, usage string, args []string, stdout io.Writer) (configPath string, rest []string, help bool, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	config := fs.String("config", "", "TOML configuration file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return "", nil, true, nil
		}
		return "", nil, false, Usagef("%v\n\n%s", err, usage)
	}
	return *config, fs.Args(), false, nil
}
