package snapshot

import "strings"

// keySeparator joins the three name parts of an address key. Slug never
// produces it, so a key splits back into its parts without ambiguity.
const keySeparator = "_"

// idSeparator introduces the source id that disambiguates two addresses
// whose names fold to the same key.
const idSeparator = "~"

// emptyPart stands for a name part whose slug is empty, such as a missing
// quartier name.
const emptyPart = "sans-nom"

// NameKey returns the address key built from the names alone: the slugs of
// the commune, quartier and street joined by "_", such as
// "fort-de-france_hyper-centre-ville_rue-louis-blanc".
func NameKey(p Place) string {
	return slugPart(p.Commune) + keySeparator + slugPart(p.Quartier) + keySeparator + slugPart(p.Voie)
}

// slugCache memoises slugPart for the commune and quartier names, which a
// few thousand records share.
type slugCache map[string]string

// nameKey is NameKey with the commune and quartier slugs taken from c.
func (c slugCache) nameKey(p Place) string {
	return c.slug(p.Commune) + keySeparator + c.slug(p.Quartier) + keySeparator + slugPart(p.Voie)
}

func (c slugCache) slug(name string) string {
	s, ok := c[name]
	if !ok {
		s = slugPart(name)
		c[name] = s
	}
	return s
}

func slugPart(name string) string {
	if s := Slug(name); s != "" {
		return s
	}
	return emptyPart
}

// disambiguate appends the source id to a name key, for addresses whose
// names collide: "fort-de-france_ravine-vilaine_residence-la-charmeuse~724".
func disambiguate(nameKey, id string) string {
	if id == "" {
		return nameKey
	}
	return nameKey + idSeparator + id
}

// ValidKey reports whether key has the form that NameKey and the id
// suffix produce. It rejects keys that could escape a path or a URL.
func ValidKey(key string) bool {
	name, id, _ := strings.Cut(key, idSeparator)
	parts := strings.Split(name, keySeparator)
	if len(parts) != 3 || strings.Contains(id, idSeparator) {
		return false
	}
	for _, p := range parts {
		if p == "" || Slug(p) != p {
			return false
		}
	}
	return id == "" || Slug(id) == id
}
