package upload

import (
	"strings"
	"testing"
)

func TestCheckURLRefusesPlainHTTPToAnotherMachine(t *testing.T) {
	for _, tc := range []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"https://pusat.example", false, true},
		{"https://192.168.1.20:8090", false, true},
		{"http://127.0.0.1:8090", false, true},
		{"http://[::1]:8090", false, true},
		{"http://localhost:8090", false, true},
		{"http://192.168.1.20:8090", false, false},
		{"http://pusat.example", false, false},
		{"http://127.0.0.1.evil.example", false, false},
		{"http://localhost.evil.example", false, false},
		{"http://192.168.1.20:8090", true, true},
		{"pusat.example", false, false},
		{"", true, false},
	} {
		err := CheckURL(tc.url, tc.insecure)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q, allow_insecure=%v) = %v, want ok=%v", tc.url, tc.insecure, err, tc.ok)
		}
		if err != nil && tc.url != "" && strings.HasPrefix(tc.url, "http://") && !strings.Contains(err.Error(), "allow_insecure") {
			t.Errorf("CheckURL(%q): %q does not say how to allow it", tc.url, err)
		}
	}
}
