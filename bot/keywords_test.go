package bot

import "testing"

// testCatalog is the embedded catalogue, for tests of the parsers.
func testCatalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The parsers' small words come from every catalogue: typed in either
// language, with the punctuation of a sentence or a typographic
// apostrophe, they are understood; other words are not.
func TestKeywords(t *testing.T) {
	c := testCatalog(t)
	for _, tc := range []struct {
		id, word string
		want     bool
	}{
		{kwFor, "for", true}, {kwFor, "Pour", true}, {kwFor, "par", false},
		{kwAnd, "and", true}, {kwAnd, "et", true}, {kwAnd, ",", true}, {kwAnd, "&", true}, {kwAnd, "ou", false},
		{kwUntil, "until", true}, {kwUntil, "jusqu’au", true}, {kwUntil, "jusqu'à", true}, {kwUntil, "au", false},
		{kwMediator, "médiatrice", true}, {kwMediator, "mediator:", true}, {kwMediator, "médiateur·rice", true}, {kwMediator, "party", false},
		{kwAbout, "sur", true}, {kwAbout, "about", true},
		{kwRequest, "demande", true}, {kwAll, "toutes", true}, {kwGroup, "groupe", true}, {kwAt, "à", true}, {kwAt, "vers", true},
		{kwAt, "", false},
	} {
		if got := c.is(tc.id, tc.word); got != tc.want {
			t.Errorf("%s %q = %v, want %v", tc.id, tc.word, got, tc.want)
		}
	}
	for _, id := range keywordIDs() {
		if len(c.keywords[id]) < 2 {
			t.Errorf("%s has %d words: a language lacks it", id, len(c.keywords[id]))
		}
	}
}
