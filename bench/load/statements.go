package main

import "fmt"

// stepCount is how many SQL statements one step of a flow sent.
type stepCount struct {
	Step       string `json:"step"`
	Statements uint64 `json:"statements"`
}

// flowCount is the statements of one whole flow, step by step, with the
// totals of the API-only path (no page GETs) and of the browser path.
type flowCount struct {
	Name    string      `json:"name"`
	Steps   []stepCount `json:"steps"`
	API     uint64      `json:"api_only"`
	Browser uint64      `json:"browser"`
}

// statementsReport is the outcome of the statements scenario.
type statementsReport struct {
	Flows    []flowCount `json:"flows"`
	Userinfo uint64      `json:"userinfo"`
}

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
		current.Steps = append(current.Steps, stepCount{step, n})
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
		err = measure(stepToken, func() (err error) { token, err = t.exchange(g); return err })
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
