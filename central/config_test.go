package central_test

import (
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"
	"testing"

	"github.com/skmkiosk/skm/central"
)

// The example file documents the real defaults: loading it changes nothing.
func TestExampleConfigIsTheDefault(t *testing.T) {
	cfg := central.DefaultConfig()
	md, err := toml.DecodeFile("../docs/central.example.toml", &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		t.Errorf("unknown keys in the example: %v", u)
	}
	if want := central.DefaultConfig(); !reflect.DeepEqual(cfg, want) {
		t.Errorf("example config = %+v\nwant the defaults %+v", cfg, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
}

func TestAccessLogRetentionHasAFloor(t *testing.T) {
	cfg := central.DefaultConfig()
	if err := toml.Unmarshal([]byte("[reports]\naccess_log_retention = \"12h\"\n"), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "reports.access_log_retention") {
		t.Errorf("a retention of 12h: %v, want an error naming reports.access_log_retention", err)
	}
}
