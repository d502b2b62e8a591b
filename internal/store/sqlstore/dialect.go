package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
)

// Dialect is what differs between the SQL databases Store runs on. The
// statements themselves are shared: they use only SQL that SQLite (3.35 and
// later) and PostgreSQL both accept, including UPDATE ... RETURNING and
// INSERT ... ON CONFLICT ... DO UPDATE. What is left is how bind parameters
// are spelled and how each driver reports a broken constraint, which the
// Store maps to sigil.ErrConflict and sigil.ErrNotFound.
type Dialect struct {
	// Name names the database in error messages ("sqlite", "postgres").
	Name string
	// Placeholder spells the n-th bind parameter, counting from 1. Nil means
	// "?" for every parameter (SQLite); PostgreSQL wants Numbered ("$1").
	Placeholder func(n int) string
	// IsUniqueViolation reports whether err is a broken PRIMARY KEY or UNIQUE
	// constraint: an id or hash that already exists (ErrConflict).
	IsUniqueViolation func(err error) bool
	// IsForeignKeyViolation reports whether err is a broken FOREIGN KEY
	// constraint: a row naming a client that does not exist (ErrNotFound).
	IsForeignKeyViolation func(err error) bool
	// IsDeadlock reports whether err is the database ending a statement to
	// break a deadlock. Nil means it cannot happen (SQLite: one writer).
	IsDeadlock func(err error) bool
	// OneWriter is true when every write goes through one connection
	// (SQLite; see NewSplit). A goroutine then yields its processor right
	// after each write gives the connection back (see Store.yieldAfter).
	OneWriter bool
	// WritesInWith is true when the database runs an INSERT inside WITH
	// (PostgreSQL: data-modifying statements in WITH), so that a write and
	// the one it implies go as one statement; otherwise (SQLite) they go
	// as one transaction of two.
	WritesInWith bool
	// Greatest names the SQL function that returns the largest of its
	// arguments: max in SQLite (empty means max), GREATEST in PostgreSQL.
	// The cleanup's expression (purgeAt) is written with it and must be
	// the one migration 11 indexes on each store.
	Greatest string
}

// greatest is the name of d's largest-of-its-arguments function.
func (d Dialect) greatest() string {
	if d.Greatest == "" {
		return "max"
	}
	return d.Greatest
}

// Numbered is the Placeholder of PostgreSQL: $1, $2, ...
func Numbered(n int) string { return "$" + strconv.Itoa(n) }

// rebind rewrites the "?" parameters of a statement into the dialect's
// spelling. It runs once per statement when the Store is built, never per
// call. The shared statements contain no "?" inside string literals, which is
// what makes this plain scan correct.
func (d Dialect) rebind(query string) string {
	if d.Placeholder == nil {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString(d.Placeholder(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (d Dialect) uniqueViolation(err error) bool {
	return err != nil && d.IsUniqueViolation != nil && d.IsUniqueViolation(err)
}

func (d Dialect) deadlock(err error) bool {
	return err != nil && d.IsDeadlock != nil && d.IsDeadlock(err)
}

func (d Dialect) foreignKeyViolation(err error) bool {
	return err != nil && d.IsForeignKeyViolation != nil && d.IsForeignKeyViolation(err)
}

// SchemaReady is the schema half of a backend's readiness: a schema at
// version have serves a binary whose newest migration is want when it is at
// least that new. A newer schema is ready too, so that during a rolling
// upgrade the nodes still on the previous release stay in service after the
// first new node (or `sigil migrate`) moved the schema on: migrations only
// ever add what the previous release can ignore.
func SchemaReady(name string, have, want int64) error {
	if have < want {
		return fmt.Errorf("%s: not ready: schema at version %d, this binary needs %d; run sigil migrate", name, have, want)
	}
	return nil
}
