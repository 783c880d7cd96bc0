package replay

import (
	"reflect"
	"strings"
	"testing"
)

const csvHeader = "commune_id,commune_name,quartier_id,quartier_name,adresse_id,adresse_name,type_collecte,jour,type_semaine\n"

func TestLegacyFromCSVGrouping(t *testing.T) {
	input := "\ufeff" + csvHeader +
		"1,FDF,10,Q,5,Rue A,Gris,Mardi,\n" +
		"1,FDF,10,Q,5,Rue A,Jaune,Lundi,Impaire\n" +
		"1,FDF,10,Q,5,Rue A,Jaune,Jeudi,Paire\n" +
		"1,FDF,10,Q,5,Rue A,Gris,Lundi,\n" +
		"1,FDF,10,Q,5,Rue A,Jaune,Mardi,Impaire\n" +
		"2,LAM,7,P,4,Rue B,Gris,Vendredi,\n"

	l, err := LegacyFromCSV(strings.NewReader(input))
	if err != nil {
		t.Fatalf("LegacyFromCSV: %v", err)
	}

	wantItems := []LegacyCollecte{
		{Title: "Gris", Days: []string{"Mardi", "Lundi"}},
		{Title: "Jaune", Days: []string{"Lundi", "Mardi"}, WeekType: "Impaire"},
		{Title: "Jaune", Days: []string{"Jeudi"}, WeekType: "Paire"},
	}
	if got := l.Collectes[5]; !reflect.DeepEqual(got, wantItems) {
		t.Errorf("items of 5:\ngot  %+v\nwant %+v", got, wantItems)
	}

	wantAdresses := []LegacyAdresse{{ID: 4, Name: "Rue B", QuartierID: 7}, {ID: 5, Name: "Rue A", QuartierID: 10}}
	if !reflect.DeepEqual(l.Adresses, wantAdresses) {
		t.Errorf("adresses: got %+v, want %+v", l.Adresses, wantAdresses)
	}

	wantQuartiers := []LegacyQuartier{{ID: 7, Name: "P", CommuneID: 2}, {ID: 10, Name: "Q", CommuneID: 1}}
	if !reflect.DeepEqual(l.Quartiers, wantQuartiers) {
		t.Errorf("quartiers: got %+v, want %+v", l.Quartiers, wantQuartiers)
	}
}

func TestLegacyFromCSVColumnOrder(t *testing.T) {
	input := "jour,type_semaine,type_collecte,adresse_name,adresse_id,quartier_name,quartier_id,commune_name,commune_id\n" +
		"Lundi,Paire,Gris,Rue A,5,Q,10,FDF,1\n"

	l, err := LegacyFromCSV(strings.NewReader(input))
	if err != nil {
		t.Fatalf("LegacyFromCSV: %v", err)
	}

	want := []LegacyCollecte{{Title: "Gris", Days: []string{"Lundi"}, WeekType: "Paire"}}
	if got := l.Collectes[5]; !reflect.DeepEqual(got, want) {
		t.Errorf("items of 5: got %+v, want %+v", got, want)
	}
}

func TestLegacyFromCSVErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{name: "empty", input: "", want: "read legacy CSV header"},
		{name: "missing column", input: "commune_id,commune_name\n1,FDF\n", want: `missing column "quartier_id"`},
		{name: "invalid id", input: csvHeader + "1,FDF,x,Q,5,Rue A,Gris,Lundi,\n", want: `line 2: invalid quartier_id "x"`},
		{name: "short row", input: csvHeader + "1,FDF,10\n", want: "wrong number of fields"},
		{
			name:  "adresse renamed",
			input: csvHeader + "1,FDF,10,Q,5,Rue A,Gris,Lundi,\n1,FDF,10,Q,5,Rue Z,Gris,Mardi,\n",
			want:  "line 3: adresse 5",
		},
		{
			name:  "quartier moved",
			input: csvHeader + "1,FDF,10,Q,5,Rue A,Gris,Lundi,\n2,LAM,10,Q,6,Rue B,Gris,Mardi,\n",
			want:  "line 3: quartier 10",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LegacyFromCSV(strings.NewReader(tt.input))
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error: got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzLegacyFromCSV(f *testing.F) {
	f.Add(csvHeader + "1,FDF,10,Q,5,Rue A,Gris,Lundi,\n")
	f.Add(csvHeader + "1,FDF,10,Q,5,\"Rue, A\",Gris,Lundi,Paire\n1,FDF,10,Q,6,B,Gris,Mardi,\n")

	f.Fuzz(func(t *testing.T, input string) {
		l, err := LegacyFromCSV(strings.NewReader(input))
		if err != nil {
			return
		}

		rows := 0
		for _, items := range l.Collectes {
			for _, item := range items {
				rows += len(item.Days)
			}
		}
		if rows > strings.Count(input, "\n")+1 {
			t.Errorf("%d days from at most %d lines", rows, strings.Count(input, "\n")+1)
		}

		l.Handler()
	})
}
