package commands

import "testing"

func TestNewReplicaFlagIsRepeatableHostPort(t *testing.T) {
	var a addrList
	for _, v := range []string{"10.0.0.5:6380", "df-2:6379,df-3:6379"} {
		if err := a.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if a.String() != "10.0.0.5:6380,df-2:6379,df-3:6379" {
		t.Errorf("%v", a)
	}
	if err := a.Set("10.0.0.5"); err == nil {
		t.Error("a host without a port accepted")
	}
}
