package oautherr

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// JSONProblem says what is wrong with a JSON request body in the caller's
// terms, for an error_description: a value of the wrong JSON type names
// its field and the type it takes, not the Go type it is decoded into
// (which would leak server internals and mean nothing to the caller). Every
// other decoder message (an unknown field, a syntax error at an offset)
// already describes the caller's input.
func JSONProblem(err error) string {
	typeErr, ok := errors.AsType[*json.UnmarshalTypeError](err)
	if !ok {
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	want := "of another type"
	switch t := typeErr.Type; {
	case t.Kind() == reflect.String:
		want = "a string"
	case t.Kind() == reflect.Bool:
		want = "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		want = "an integer"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		want = "a number"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		want = "an array of strings"
	case t.Kind() == reflect.Slice, t.Kind() == reflect.Array:
		want = "an array"
	case t.Kind() == reflect.Map, t.Kind() == reflect.Struct:
		want = "an object"
	}
	if typeErr.Field == "" {
		return fmt.Sprintf("the body must be %s, not a JSON %s", want, typeErr.Value)
	}
	return fmt.Sprintf("field '%s' must be %s, not a JSON %s", typeErr.Field, want, typeErr.Value)
}
