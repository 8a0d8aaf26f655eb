package fullsync

import "testing"

func TestBytesAndParseMemory(t *testing.T) {
	for n, want := range map[int64]string{512: "512 B", 1536: "1.5 KiB", 2 << 20: "2.0 MiB", -2048: "-2.0 KiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
	for v, want := range map[string]int64{"1048576": 1 << 20, "256mb": 256 << 20, "8.00GiB": 8 << 30, " 2k ": 2048, "x": 0, "1.5xb": 0} {
		if got := ParseMemory(v); got != want {
			t.Errorf("ParseMemory(%q) = %d, want %d", v, got, want)
		}
	}
	if f := ClientFields("id=9 addr=127.0.0.1:51870 omem=0 name="); f["id"] != "9" || f["addr"] != "127.0.0.1:51870" || f["name"] != "" || Atoi(f["id"]) != 9 || Atoi("x") != 0 {
		t.Errorf("ClientFields = %v", f)
	}
}
