package snapshot

import (
	"encoding/json"
	"slices"
)

// Schema version of the dataset, written into datapackage.json. It changes
// only when a column or a rule of the files changes.
const SchemaVersion = "1.0.0"

// The JSON shape of a Frictionless Data Package (datapackage.org, version 1
// specification) with Table Schema resources.
type dataPackage struct {
	Profile     string     `json:"profile"`
	Name        string     `json:"name"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Version     string     `json:"version"`
	Sources     []source   `json:"sources"`
	Resources   []resource `json:"resources"`
}

type source struct {
	Title string `json:"title"`
	Path  string `json:"path"`
}

type resource struct {
	Name      string  `json:"name"`
	Path      string  `json:"path"`
	Profile   string  `json:"profile"`
	Title     string  `json:"title"`
	Format    string  `json:"format"`
	MediaType string  `json:"mediatype"`
	Encoding  string  `json:"encoding"`
	Dialect   dialect `json:"dialect"`
	Schema    schema  `json:"schema"`
}

type dialect struct {
	Delimiter      string `json:"delimiter"`
	LineTerminator string `json:"lineTerminator"`
	QuoteChar      string `json:"quoteChar"`
	DoubleQuote    bool   `json:"doubleQuote"`
	Header         bool   `json:"header"`
}

type schema struct {
	Fields      []field      `json:"fields"`
	PrimaryKey  []string     `json:"primaryKey"`
	ForeignKeys []foreignKey `json:"foreignKeys,omitempty"`
	MissingVals []string     `json:"missingValues"`
}

type field struct {
	Name        string       `json:"name"`
	Type        string       `json:"type"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Constraints *constraints `json:"constraints,omitempty"`
}

type constraints struct {
	Required bool     `json:"required,omitempty"`
	Pattern  string   `json:"pattern,omitempty"`
	Enum     []string `json:"enum,omitempty"`
}

type foreignKey struct {
	Fields    []string  `json:"fields"`
	Reference reference `json:"reference"`
}

type reference struct {
	Resource string   `json:"resource"`
	Fields   []string `json:"fields"`
}

// encodePackage describes the three CSV files. The allowed stream codes are
// the five known ones plus any other code collected in the snapshot, so the
// descriptor stays valid when the site adds a stream.
func encodePackage(collected []string) ([]byte, error) {
	codes := []string{StreamHousehold, StreamRecycling, StreamBulky, StreamGreen, StreamAppliance}
	for _, c := range collected {
		if !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}

	pkg := dataPackage{
		Profile: "tabular-data-package",
		Name:    "cacem-collecte-dechets",
		Title:   "Jours de collecte des déchets de la CACEM, par adresse",
		Description: "Jours de collecte des déchets ménagers publiés par la CACEM " +
			"(Fort-de-France, Le Lamentin, Schœlcher, Saint-Joseph), relevés et normalisés par collecte.",
		Version: SchemaVersion,
		Sources: []source{{Title: "CACEM, collecte des déchets", Path: "https://www.cacem.fr"}},
		Resources: []resource{
			newResource("adresses", AddressesPath, "Adresses", addressFieldsSchema(),
				[]string{"adresse_key"}, nil),
			newResource("collectes", RulesPath, "Jours de collecte", ruleFieldsSchema(codes),
				[]string{"adresse_key", "flux", "jour", "semaine"}, addressForeignKey()),
			newResource("collectes-manquantes", MissingPath, "Collectes manquantes",
				missingFieldsSchema(codes), []string{"adresse_key", "flux"}, addressForeignKey()),
		},
	}

	out, err := json.MarshalIndent(pkg, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

func newResource(name, path, title string, fields []field, pk []string, fks []foreignKey) resource {
	return resource{
		Name:      name,
		Path:      path,
		Profile:   "tabular-data-resource",
		Title:     title,
		Format:    "csv",
		MediaType: "text/csv",
		Encoding:  "utf-8",
		Dialect: dialect{
			Delimiter: ",", LineTerminator: "\n", QuoteChar: `"`, DoubleQuote: true, Header: true,
		},
		Schema: schema{Fields: fields, PrimaryKey: pk, ForeignKeys: fks, MissingVals: []string{""}},
	}
}

func addressForeignKey() []foreignKey {
	return []foreignKey{{
		Fields:    []string{"adresse_key"},
		Reference: reference{Resource: "adresses", Fields: []string{"adresse_key"}},
	}}
}

func addressFieldsSchema() []field {
	return []field{
		{Name: "adresse_key", Type: "string", Title: "Clé d'adresse",
			Description: "Identifiant stable : commune, quartier et voie normalisés, joints par « _ », " +
				"suivis de « ~ » et de l'identifiant de la source quand deux adresses portent les mêmes noms.",
			Constraints: &constraints{Required: true, Pattern: keyPattern}},
		{Name: "adresse_id", Type: "string", Title: "Identifiant de la source",
			Description: "Identifiant de l'adresse sur le site de la CACEM, vide quand la source n'en donne pas."},
		{Name: "commune", Type: "string", Title: "Commune", Description: "Nom publié par la source.",
			Constraints: &constraints{Required: true}},
		{Name: "quartier", Type: "string", Title: "Quartier", Description: "Nom publié par la source."},
		{Name: "voie", Type: "string", Title: "Voie", Description: "Nom publié par la source.",
			Constraints: &constraints{Required: true}},
	}
}

// keyPattern is the regular expression that every adresse_key matches: the
// slugs of the commune, quartier and street joined by "_", then "~" and the
// source id when names collide, each slug made of runs of keyChar joined by
// "-". Table Schema patterns are
// XML Schema regular expressions, but validators such as frictionless-py
// compile them with Python's re, which has no \p{..} escapes, so the
// pattern uses only syntax that XML Schema, Python, JavaScript and Go's
// regexp read the same way.
const keyPattern = keyWord + "(_" + keyWord + "){2}(~" + keyWord + ")?"

const keyWord = keyChar + "+(-" + keyChar + "+)*"

// keyChar is any character but space, tab, CR, LF, ASCII punctuation and
// ASCII upper case, leaving the digits, the lower-case letters and every
// other character.
// NOTE: without \p{..}, the pattern cannot tell letters from other
// characters beyond ASCII, or reject the control characters other than
// tab, CR and LF, which keys never contain.
const keyChar = "[^\\t\\n\\r -/:-`{-~]"

func ruleFieldsSchema(codes []string) []field {
	days := make([]string, 7)
	for i := range days {
		days[i] = dayNames[(i+1)%7]
	}
	return append(addressFieldsSchema(), streamField(codes),
		field{Name: "jour", Type: "string", Title: "Jour de collecte",
			Description: "Jour de la semaine, heure de la Martinique.",
			Constraints: &constraints{Required: true, Enum: days}},
		field{Name: "semaine", Type: "string", Title: "Semaines",
			Description: "toutes : chaque semaine ; paire ou impaire : selon la parité du numéro de semaine ISO 8601.",
			Constraints: &constraints{Required: true, Enum: []string{"toutes", "paire", "impaire"}}},
	)
}

func missingFieldsSchema(codes []string) []field {
	return append(addressFieldsSchema(), streamField(codes))
}

func streamField(codes []string) field {
	return field{Name: "flux", Type: "string", Title: "Flux de déchets",
		Description: "OM ordures ménagères, RS emballages et recyclables, ENC encombrants, " +
			"DV déchets verts, DEEE équipements électriques et électroniques.",
		Constraints: &constraints{Required: true, Enum: codes}}
}
