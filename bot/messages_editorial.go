package bot

// Message IDs of the newsletter's editorial (locales/editorial.*.yaml).
const (
	msgEditorialReplayed          = "editorial.replayed"
	msgEditorialSaved             = "editorial.saved"
	msgNewsletterEditorialText    = "newsletter.editorial_text"
	msgNewsletterEditorialTitle   = "newsletter.editorial_title"
	msgOptionEditorialText        = "option.editorial_text"
	msgSummaryNewsletterEditorial = "summary.newsletter_editorial"
	msgUsageNewsletterEditorial   = "usage.newsletter_editorial"
)
