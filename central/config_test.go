package central_test

import (
	"reflect"

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
