package diff

import (
	"strings"
	"testing"
)

// changesOf returns n changes of each kind given as kind, n, kind, n…
func changesOf(args ...any) Report {
	var changes []Change
	for i := 0; i < len(args); i += 2 {
		kind, n := args[i].(string), args[i+1].(int)
		for k := range n {
			changes = append(changes, Change{Kind: kind, AdresseKey: kind + "-" + itoa(k), Voie: "Rue " + itoa(k)})
		}
	}
	return newReport("", "", changes)
}

func TestSummary(t *testing.T) {
	tests := []struct {
		name   string
		report Report
		want   string
	}{
		{"no change", changesOf(), ""},
		{"one of each", changesOf(KindAddressRemoved, 1, KindAddressAdded, 1, KindCollectionAdded, 1, KindCollectionMissing, 1, KindScheduleChanged, 1),
			"1 schedule change, 1 newly missing collection, 1 collection added, 1 address added, 1 address removed"},
		{"plural", changesOf(KindScheduleChanged, 12, KindCollectionMissing, 3, KindAddressRemoved, 2),
			"12 schedule changes, 3 newly missing collections, 2 addresses removed"},
		{"plural added", changesOf(KindCollectionAdded, 2, KindAddressAdded, 5),
			"2 collections added, 5 addresses added"},
		{"thousands", changesOf(KindAddressAdded, 2141), "2,141 addresses added"},
		{"below a thousand", changesOf(KindAddressAdded, 999), "999 addresses added"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.report.Summary(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGroupThousands(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {2141, "2,141"},
		{12045, "12,045"}, {1234567, "1,234,567"}, {-1234, "-1,234"},
	}
	for _, tt := range tests {
		if got := groupThousands(tt.n, ","); got != tt.want {
			t.Errorf("groupThousands(%d): got %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestBody(t *testing.T) {
	r := changesOf(KindAddressRemoved, 2, KindScheduleChanged, 3)
	tests := []struct {
		name string
		max  int
		want []string
	}{
		{"limited", 2, []string{
			"schedule_changed  /  / Rue 0 [schedule_changed-0]:  none -> none",
			"schedule_changed  /  / Rue 1 [schedule_changed-1]:  none -> none",
			"… and 3 more",
		}},
		{"exact", 5, []string{
			"schedule_changed  /  / Rue 0 [schedule_changed-0]:  none -> none",
			"schedule_changed  /  / Rue 1 [schedule_changed-1]:  none -> none",
			"schedule_changed  /  / Rue 2 [schedule_changed-2]:  none -> none",
			"address_removed  /  / Rue 0 [address_removed-0]",
			"address_removed  /  / Rue 1 [address_removed-1]",
		}},
		{"unlimited", 0, []string{
			"schedule_changed  /  / Rue 0 [schedule_changed-0]:  none -> none",
			"schedule_changed  /  / Rue 1 [schedule_changed-1]:  none -> none",
			"schedule_changed  /  / Rue 2 [schedule_changed-2]:  none -> none",
			"address_removed  /  / Rue 0 [address_removed-0]",
			"address_removed  /  / Rue 1 [address_removed-1]",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := strings.Join(tt.want, "\n") + "\n"
			if got := r.Body(tt.max); got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestBodyEmpty(t *testing.T) {
	if got := changesOf().Body(10); got != "" {
		t.Errorf("got %q, want an empty body", got)
	}
}

func TestBodyThousands(t *testing.T) {
	got := changesOf(KindAddressAdded, 1201).Body(1)
	if !strings.HasSuffix(got, "\n… and 1,200 more\n") {
		t.Errorf("got %q, want it to end with the remaining count 1,200", got)
	}
}
