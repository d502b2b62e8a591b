package main

import (
	"fmt"

	benchreport "github.com/sigil-oidc/sigil/bench/internal/report"
)

// The statement counts are the types bench/driver reads from -json.
type (
	stepCount        = benchreport.StepCount
	flowCount        = benchreport.FlowCount
	statementsReport = benchreport.Statements
)

// The flows of the statements scenario, in the order they run: each depends
// on the state the previous ones left.
var statementFlows = []struct{ name, legend string }{
	{"first", "a new browser signs in; consent asked, not remembered"},
	{"remember", "a new browser signs in; consent given with remember: true"},
	{"sso", "the same browser as 'remember' again: its session and the remembered consent answer at once"},
	{"returning", "a new browser (no session) signs in; the consent is remembered, so verify issues the code"},
}

// statementsScenario runs the flows of statementFlows one at a time, with
// nothing else running, and reads sigil_store_statements_total before and
// after every step. rp must be a client nobody has consented to yet.
func statementsScenario(t *target, rp relyingParty) (*statementsReport, error) {
	rep := &statementsReport{}
	var current *flowCount
	measure := func(step string, fn func() error) error {
		before, err := t.statements()
		if err != nil {
			return err
		}
		if err := fn(); err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
		after, err := t.statements()
		if err != nil {
			return err
		}
		n := after - before
		current.Steps = append(current.Steps, stepCount{Step: step, Statements: n})
		current.Browser += n
		if !isPage(step) {
			current.API += n
		}
		return nil
	}
	var firstToken string
	person := t.newBrowser()
	browsers := map[string]*browser{"first": t.newBrowser(), "remember": person, "sso": person, "returning": t.newBrowser()}
	for _, f := range statementFlows {
		rep.Flows = append(rep.Flows, flowCount{Name: f.name})
		current = &rep.Flows[len(rep.Flows)-1]
		g, err := browsers[f.name].flow(flowOptions{rp: rp, pages: true, remember: f.name == "remember", step: measure})
		if err != nil {
			return nil, fmt.Errorf("flow %s: %w", f.name, err)
		}
		var token string
		err = measure(stepToken, func() error {
			tok, err := t.exchange(g)
			token = tok.AccessToken
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("flow %s: %w", f.name, err)
		}
		if firstToken == "" {
			firstToken = token
		}
	}
	current = &flowCount{}
	if err := measure(stepUserinfo, func() error { return t.userinfo(firstToken) }); err != nil {
		return nil, err
	}
	rep.Userinfo = current.Browser
	return rep, nil
}
