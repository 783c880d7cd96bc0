package diff

import (
	"slices"
	"testing"

	"github.com/collecte-cacem/collecte/snapshot"
)

func TestSelectionMatch(t *testing.T) {
	schedule := Change{Kind: KindScheduleChanged, AdresseKey: "schoelcher_cluny_rue-a",
		Commune: "Schoelcher", Quartier: "CLUNY", Voie: "Rue A", Flux: "RS"}
	added := Change{Kind: KindAddressAdded, AdresseKey: "lamentin_bas-mission_rue-b",
		Commune: "LAMENTIN", Quartier: "BAS MISSION", Voie: "Rue B"}
	joseph := Change{Kind: KindScheduleChanged, AdresseKey: "saint-joseph_hyper-centre-ville_rue-c",
		Commune: "SAINT-JOSEPH", Quartier: "HYPER  CENTRE-VILLE", Voie: "Rue C", Flux: "OM"}

	tests := []struct {
		name   string
		sel    Selection
		change Change
		want   bool
	}{
		{"empty follows all", Selection{}, schedule, true},
		{"commune any case", Selection{Communes: []string{"SCHOELCHER"}}, schedule, true},
		{"commune other", Selection{Communes: []string{"LAMENTIN"}}, schedule, false},
		{"quartier accents spaces", Selection{Quartiers: []string{"bas  missión"}}, added, true},
		{"address key", Selection{Adresses: []string{"schoelcher_cluny_rue-a"}}, schedule, true},
		{"flux narrows", Selection{Communes: []string{"SCHOELCHER"}, Flux: []string{"OM"}}, schedule, false},
		{"flux keeps", Selection{Communes: []string{"SCHOELCHER"}, Flux: []string{"rs"}}, schedule, true},
		{"flux alone", Selection{Flux: []string{"OM"}}, schedule, false},
		{"flux and address kind", Selection{Flux: []string{"OM"}}, added, true},
		{"any of the lists", Selection{Communes: []string{"X"}, Quartiers: []string{"CLUNY"}}, schedule, true},
		{"commune space for hyphen", Selection{Communes: []string{"saint joseph"}}, joseph, true},
		{"commune hyphen for space", Selection{Communes: []string{"SAINT-JOSEPH"}}, Change{Commune: "Saint Joseph"}, true},
		{"commune apostrophe", Selection{Communes: []string{"l anse"}}, Change{Commune: "L'ANSE"}, true},
		{"quartier punctuation", Selection{Quartiers: []string{"hyper centre ville"}}, joseph, true},
		{"commune other punctuated", Selection{Communes: []string{"saint pierre"}}, joseph, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sel.Match(tt.change); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSelectionUnmatched(t *testing.T) {
	snap := &snapshot.Snapshot{Addresses: []snapshot.Address{
		{Key: "saint-joseph_centre_rue-c", Commune: "SAINT-JOSEPH", Quartier: "CENTRE"},
		{Key: "lamentin_bas-mission_rue-b", Commune: "LAMENTIN", Quartier: "BAS MISSION"},
	}}
	sel := Selection{
		Communes:  []string{"saint joseph", "ATLANTIS"},
		Quartiers: []string{"bas-mission", "Nulle Part"},
		Adresses:  []string{"lamentin_bas-mission_rue-b", "lamentin_bas-mission_rue-z"},
		Flux:      []string{"OM"},
	}
	want := []Unmatched{{"communes", "ATLANTIS"}, {"quartiers", "Nulle Part"}, {"adresses", "lamentin_bas-mission_rue-z"}}
	if got := sel.Unmatched(snap); !slices.Equal(got, want) {
		t.Errorf("Unmatched = %+v, want %+v", got, want)
	}
}
