package diff

import "testing"

func TestSelectionMatch(t *testing.T) {
	schedule := Change{Kind: KindScheduleChanged, AdresseKey: "schoelcher_cluny_rue-a",
		Commune: "Schoelcher", Quartier: "CLUNY", Voie: "Rue A", Flux: "RS"}
	added := Change{Kind: KindAddressAdded, AdresseKey: "lamentin_bas-mission_rue-b",
		Commune: "LAMENTIN", Quartier: "BAS MISSION", Voie: "Rue B"}

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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sel.Match(tt.change); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}
