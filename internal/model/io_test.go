package model

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeRefusesASnapshotFromTheFuture(t *testing.T) {
	_, err := Decode([]byte(`{"schema_version": "99", "accounts": "anything"}`))
	if !errors.Is(err, ErrSchemaVersion) {
		t.Fatalf("err = %v, want ErrSchemaVersion", err)
	}
	if !strings.Contains(err.Error(), `"99"`) || !strings.Contains(err.Error(), "this build reads 1") {
		t.Errorf("message %q should name the version found and the versions read", err)
	}
}

func TestDecodeRefusesUnknownFieldsAndNonSnapshots(t *testing.T) {
	for name, in := range map[string]string{
		"unknown field":     `{"schema_version": "1", "surprise": true}`,
		"no schema version": `{"accounts": []}`,
		"not JSON":          `accounts:`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode([]byte(in)); err == nil {
				t.Fatal("Decode accepted it")
			}
		})
	}
}

func TestEncodeIsIndependentOfObservationOrder(t *testing.T) {
	a := &Snapshot{SchemaVersion: SchemaVersion, Accounts: []Account{
		{ID: "222233334444"},
		{ID: "111122223333", Regions: []Region{{Name: "us-east-1", Instances: []Instance{{ID: "i-2"}, {ID: "i-1", SecurityGroupIDs: []string{"sg-b", "sg-a"}}}}}},
	}, Gaps: []Gap{{Account: "2", API: "ec2:DescribeVpcs"}, {Account: "1", API: "ssm:GetServiceSetting"}}}
	b := &Snapshot{SchemaVersion: SchemaVersion, Accounts: []Account{
		{ID: "111122223333", Regions: []Region{{Name: "us-east-1", Instances: []Instance{{ID: "i-1", SecurityGroupIDs: []string{"sg-a", "sg-b"}}, {ID: "i-2"}}}}},
		{ID: "222233334444"},
	}, Gaps: []Gap{{Account: "1", API: "ssm:GetServiceSetting"}, {Account: "2", API: "ec2:DescribeVpcs"}}}
	ja, err := Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(ja), string(jb)); diff != "" {
		t.Fatalf("encodings differ (-a +b):\n%s", diff)
	}
	back, err := Decode(ja)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, back); diff != "" {
		t.Errorf("round trip changed the snapshot (-want +got):\n%s", diff)
	}
}
