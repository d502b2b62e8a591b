package sqlstore

import (
	"database/sql/driver"
	"errors"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Text that no TEXT column can hold.
//
// PostgreSQL stores TEXT in the database's encoding, UTF-8, and refuses a
// parameter holding a NUL byte or a byte sequence that is not UTF-8
// (SQLSTATE 22021, "invalid byte sequence for encoding UTF8") before the
// statement runs: the statement fails as a whole, and the request that
// sent it answered 500 server_error. Such values come from clients (a
// client_id of "%00", a flow id of "\u0000", a session id of "%FF" in an
// admin path). None can ever have been stored, so a statement that looks a
// row up by one, or changes a row only if it holds one, can match nothing:
// the Store answers as if it had been sent and had matched nothing
// (sql.ErrNoRows for one row, no row affected, no rows) without sending
// it, and the callers' not-found paths answer (invalid_client, not_found,
// invalid_grant). SQLite would store and compare such text; the Store
// treats it the same way on every database, so that both answer alike.
//
// An INSERT has nothing to match: storing the value is its purpose. It
// fails with errUnstorableText instead, which the handlers never meet
// because their input checks refuse such text first (the authorization
// endpoint's state, nonce and login_hint; the admin API's metadata).

// errUnstorableText is the error of an INSERT that would store text no
// TEXT column can hold.
var errUnstorableText = errors.New("a text value holds a NUL byte or is not valid UTF-8, which no TEXT column can store")

// storableText reports whether s can be stored in a TEXT column on every
// database the Store runs on: valid UTF-8 without a NUL byte.
func storableText(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// storableArgs reports whether every text parameter in args is
// storableText. Parameters of other kinds (integers, []byte for BLOB and
// BYTEA, nil) are always sendable; a parameter of a named string type,
// and a driver.Valuer whose value is a string, is text too.
func storableArgs(args []any) bool {
	for _, a := range args {
		var s string
		switch v := a.(type) {
		case nil, int64, int, bool, []byte:
			continue
		case string:
			s = v
		case driver.Valuer:
			value, err := v.Value()
			text, ok := value.(string)
			if err != nil || !ok {
				continue // the driver reports the error itself
			}
			s = text
		default:
			rv := reflect.ValueOf(a)
			if rv.Kind() != reflect.String {
				continue
			}
			s = rv.String()
		}
		if !storableText(s) {
			return false
		}
	}
	return true
}

// isInsert reports whether query starts with INSERT (case-insensitively,
// after leading white space): a statement that stores its parameters
// rather than matching rows by them.
func isInsert(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n")
	return len(q) >= 6 && strings.EqualFold(q[:6], "INSERT")
}
