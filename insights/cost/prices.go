package cost

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"time"
)

//go:embed prices.json
var embeddedPrices []byte

// GlobalRegion is the region of the prices of global services (CloudFront,
// Route 53): a price is looked up in the resource's region first, then here.
const GlobalRegion = "global"

// Prices is a dated price table: list prices per region, the usage
// assumptions for what the records cannot tell (traffic, log volume, ...),
// and the types known to cost nothing of their own.
type Prices struct {
	// Date is the day the prices were transcribed, as YYYY-MM-DD.
	Date string `json:"date"`
	// Currency is the currency of every price ("USD").
	Currency string `json:"currency"`
	// Note says where the prices come from and how far to trust them.
	Note string `json:"note"`
	// HoursPerMonth turns hourly prices into monthly ones (730).
	HoursPerMonth float64 `json:"hoursPerMonth"`
	// DefaultRegion prices the resources whose region the records do not
	// name (no explicit provider).
	DefaultRegion string `json:"defaultRegion"`
	// Prices are the unit prices.
	Prices []Price `json:"prices"`
	// Usage are the assumed quantities.
	Usage []Usage `json:"usage"`
	// Free are the types that cost nothing of their own.
	Free []FreeType `json:"free"`
}

// Price is one unit price of one region.
type Price struct {
	// Region is the AWS region ("us-west-2") or GlobalRegion.
	Region string `json:"region"`
	// Key names the price ("vpc.natGateway.hour"); the estimator asks for
	// prices by key.
	Key string `json:"key"`
	// Unit is what one USD amount buys ("hour", "GB-month", "key-month").
	Unit string `json:"unit"`
	// USD is the price of one Unit.
	USD float64 `json:"usd"`
	// Description says what the price is, in the words of its page.
	Description string `json:"description"`
	// Source is the URL of the AWS pricing page the price was taken from.
	Source string `json:"source"`
}

// Usage is one assumed quantity: something the records cannot tell, such as
// the data a NAT gateway processes in a month.
type Usage struct {
	// Key names the assumption ("nat.dataGBPerVpc").
	Key string `json:"key"`
	// Value is the assumed quantity, in Unit.
	Value float64 `json:"value"`
	// Unit is the unit of Value ("GB-month per VPC").
	Unit string `json:"unit"`
	// Description says what is assumed.
	Description string `json:"description"`
}

// FreeType is a resource type with no charge of its own: free (IAM, security
// groups), or billed through another resource the estimate prices (a launch
// template through the instances it launches).
type FreeType struct {
	// Type is the Pulumi type token ("aws:iam/role:Role").
	Type string `json:"type"`
	// Note says why it costs nothing.
	Note string `json:"note"`
}

// LoadPrices returns the price table embedded in the package (prices.json),
// validated.
func LoadPrices() (*Prices, error) {
	p, err := ParsePrices(embeddedPrices)
	if err != nil {
		return nil, fmt.Errorf("embedded price table: %w", err)
	}
	return p, nil
}

// ParsePrices reads a price table in the format of prices.json and
// validates it.
func ParsePrices(data []byte) (*Prices, error) {
	var p Prices
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("price table: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Validate checks the table: dated, a positive month, every price with a
// region, key, unit, non-negative amount and an https source URL, no key
// twice in a region, every usage with a non-negative value and a
// description, every free type named once.
func (p *Prices) Validate() error {
	if p == nil {
		return errors.New("price table: nil")
	}
	var errs []error
	if _, err := time.Parse(time.DateOnly, p.Date); err != nil {
		errs = append(errs, fmt.Errorf("date %q is not YYYY-MM-DD: %w", p.Date, err))
	}
	if p.Currency == "" {
		errs = append(errs, errors.New("no currency"))
	}
	if !(p.HoursPerMonth > 0) {
		errs = append(errs, fmt.Errorf("hoursPerMonth %v is not positive", p.HoursPerMonth))
	}
	if p.DefaultRegion == "" {
		errs = append(errs, errors.New("no defaultRegion"))
	}
	seen := map[string]bool{}
	for i, pr := range p.Prices {
		where := fmt.Sprintf("prices[%d] (%s %s)", i, pr.Region, pr.Key)
		switch {
		case pr.Region == "" || pr.Key == "" || pr.Unit == "":
			errs = append(errs, fmt.Errorf("%s: region, key and unit are required", where))
		case !(pr.USD >= 0):
			errs = append(errs, fmt.Errorf("%s: usd %v is negative", where, pr.USD))
		case seen[pr.Region+"\x00"+pr.Key]:
			errs = append(errs, fmt.Errorf("%s: listed twice", where))
		}
		seen[pr.Region+"\x00"+pr.Key] = true
		if err := checkSource(pr.Source); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
	}
	usage := map[string]bool{}
	for i, u := range p.Usage {
		where := fmt.Sprintf("usage[%d] (%s)", i, u.Key)
		switch {
		case u.Key == "" || u.Unit == "" || u.Description == "":
			errs = append(errs, fmt.Errorf("%s: key, unit and description are required", where))
		case !(u.Value >= 0):
			errs = append(errs, fmt.Errorf("%s: value %v is negative", where, u.Value))
		case usage[u.Key]:
			errs = append(errs, fmt.Errorf("%s: listed twice", where))
		}
		usage[u.Key] = true
	}
	free := map[string]bool{}
	for i, f := range p.Free {
		switch {
		case f.Type == "" || f.Note == "":
			errs = append(errs, fmt.Errorf("free[%d] (%s): type and note are required", i, f.Type))
		case free[f.Type]:
			errs = append(errs, fmt.Errorf("free[%d] (%s): listed twice", i, f.Type))
		}
		free[f.Type] = true
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("price table: %w", err)
	}
	return nil
}

func checkSource(s string) error {
	if s == "" {
		return errors.New("no source URL")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("source %q: %w", s, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("source %q is not an https URL", s)
	}
	return nil
}

// Sources returns the distinct source URLs of the prices, sorted.
func (p *Prices) Sources() []string {
	set := map[string]bool{}
	for _, pr := range p.Prices {
		set[pr.Source] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the price of key in region, falling back to GlobalRegion.
func (p *Prices) Lookup(region, key string) (Price, bool) {
	var global *Price
	for i := range p.Prices {
		pr := &p.Prices[i]
		if pr.Key != key {
			continue
		}
		if pr.Region == region {
			return *pr, true
		}
		if pr.Region == GlobalRegion {
			global = pr
		}
	}
	if global != nil {
		return *global, true
	}
	return Price{}, false
}

// UsageOf returns the usage assumption of key.
func (p *Prices) UsageOf(key string) (Usage, bool) {
	for _, u := range p.Usage {
		if u.Key == key {
			return u, true
		}
	}
	return Usage{}, false
}

// FreeNote returns why typ costs nothing of its own, and whether the table
// lists it as free.
func (p *Prices) FreeNote(typ string) (string, bool) {
	for _, f := range p.Free {
		if f.Type == typ {
			return f.Note, true
		}
	}
	return "", false
}
