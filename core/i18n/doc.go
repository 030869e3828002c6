// Package i18n is JayayaCRM's message catalog: every sentence a client,
// staff member or admin reads in Slack, Discord or the web panel comes
// from here, in English and French, by message ID with named parameters.
// Logs, metrics and CLI output stay English and do not use it.
//
// The catalog is built on github.com/nicksnyder/go-i18n/v2 rather than
// golang.org/x/text/message because its messages live in plain files a
// translator can read and edit (TOML, embedded in the binary), its
// parameters are named ({{.Company}}) instead of positional printf verbs,
// so a French sentence may put them in another order, and it applies
// CLDR plural rules (French counts 0 and 1 as singular, English only 1).
// x/text/message keeps its catalog in Go code or generated files and
// speaks printf, which suits a program's own output better than a
// product's sentences.
//
// Files: locales/<area>.<lang>.toml, one pair per area of the product
// (common, core, crm, tasks, tickets, adapters, panel …), so that two
// changes rarely touch the same file. Message IDs are named after where
// they are used, such as crm.company.no_match; TOML tables nest them
// ([crm.company] no_match = "…"). A message with plural forms is a table
// with one and other (N, MN). go-i18n reads some key names as parts of a
// message, not as nested IDs: a table must not mix them with other keys,
// so never name a message id, description, hash, leftdelim, rightdelim,
// zero, one, two, few, many or other (the loader refuses the file).
// An area's name must not be the first word of other dotted strings of
// the code (Slack's chat.update, the outbox's slack.post), which the ID
// test below would take for message IDs.
// The tests compare the languages' keys and placeholders, check the
// French typography (a narrow no-break space before : ; ! ? and inside
// « guillemets »; what a person types, such as `14:30`, goes in code
// marks), and check that every ID written in the Go sources exists.
//
// Code asks a Printer, bound to one person's or channel's language, for a
// message: For(FR).T("crm.company.no_match", Args{"Query": q}). A
// parameter is data: the chat adapters escape what they send as a whole.
// Dates
// and times are formatted by the Printer too (Day, Date, DateTime,
// WeekdayTime, Clock), since French month and day names are not in the
// standard library. Which language a person gets is decided by the
// caller: their user setting, else what their platform says, else
// JAYAYA_LOCALE (Pick and FromAcceptLanguage help; core.User.Language
// for the chat platforms).
//
// The package imports no other package of JayayaCRM, so that core may use
// it for the messages of its errors.
package i18n
