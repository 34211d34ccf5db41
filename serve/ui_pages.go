package serve

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/schemaguard/guard/guard/contract"
	"github.com/schemaguard/guard/guard/diff"
	"github.com/schemaguard/guard/guard/schema"
)

// uiDot is a status dot with its text: the colour is never the only sign.
// Rank orders worst first.
type uiDot struct {
	Class string // ok, drift, breaking, unreachable, unlocked, pending
	Label string
	Rank  int
}

var (
	dotBreaking    = uiDot{"breaking", "breaking drift", 0}
	dotUnreachable = uiDot{"unreachable", "unreachable", 1}
	dotRisky       = uiDot{"drift", "risky drift", 2}
	dotSafe        = uiDot{"drift", "additive drift", 3}
	dotPending     = uiDot{"pending", "not checked yet", 4}
	dotUnlocked    = uiDot{"unlocked", "not locked", 4}
	dotOK          = uiDot{"ok", "locked, no drift", 5}
)

// impactDot is the dot of a locked object whose worst drift is impact.
func impactDot(impact string) uiDot {
	switch impact {
	case "breaking":
		return dotBreaking
	case "risky":
		return dotRisky
	case "safe":
		return dotSafe
	}
	return dotOK
}

// targetDot is a target's dot: unreachable when its last check failed,
// else the worst drift from its contract at the last check.
func targetDot(t *Target) uiDot {
	switch {
	case t.LastCheckAt == nil:
		return dotPending
	case t.LastError != nil:
		return dotUnreachable
	case t.ContractDrift == nil:
		return uiDot{"unlocked", "no contract", 4}
	}
	return impactDot(*t.ContractDrift)
}

type uiTargetRow struct {
	T         Target
	Dot       uiDot
	Reachable string
}

func (s *Service) uiTargets(w http.ResponseWriter, r *http.Request) {
	ts, err := s.Targets(r.Context())
	if err != nil {
		s.uiFail(w, r, err)
		return
	}
	rows := make([]uiTargetRow, 0, len(ts))
	for _, t := range ts {
		row := uiTargetRow{T: t, Dot: targetDot(&t), Reachable: "—"}
		if t.LastCheckAt != nil {
			row.Reachable = "yes"
			if t.LastError != nil {
				row.Reachable = "no"
			}
		}
		rows = append(rows, row)
	}
	slices.SortStableFunc(rows, func(a, b uiTargetRow) int {
		return cmp.Or(cmp.Compare(a.Dot.Rank, b.Dot.Rank), cmp.Compare(a.T.Name, b.T.Name))
	})
	s.render(w, r, http.StatusOK, "targets", uiPage{Title: "Targets", Nav: "targets", Data: rows})
}

// uiObject is one row of the explorer: a table, view or enum.
type uiObject struct {
	Name     string
	Kind     string
	Dot      uiDot
	Locked   bool
	Mode     string
	Changes  int
	Selected bool
	Param    string // the query parameter that selects it: table, view or enum
}

// uiGroup is the items of one impact in a drift report.
type uiGroup struct {
	Impact string
	Items  []contract.Item
}

func groupItems(items []contract.Item) []uiGroup {
	var out []uiGroup
	for _, imp := range []diff.Impact{diff.Breaking, diff.Risky, diff.Safe} {
		g := uiGroup{Impact: imp.String()}
		for _, it := range items {
			if it.Impact == imp {
				g.Items = append(g.Items, it)
			}
		}
		if len(g.Items) > 0 {
			out = append(out, g)
		}
	}
	return out
}

func groupChanges(changes []diff.Change) []uiGroup {
	items := make([]contract.Item, 0, len(changes))
	for _, c := range changes {
		items = append(items, contract.Item{Kind: c.Kind, Impact: c.Impact, Object: c.Object, Message: c.Message, Hint: c.Hint, DataLoss: c.DataLoss})
	}
	return groupItems(items)
}

func worstItem(items []contract.Item) string {
	w := diff.Impact(0)
	for _, it := range items {
		w = max(w, it.Impact)
	}
	if w == 0 {
		return "none"
	}
	return w.String()
}

// uiColumn is a column beside its counterpart: same, changed, or only on
// this side (gone from live, or new in live).
type uiColumn struct {
	schema.Column
	State string
}

func compareColumns(mine, other *schema.Table, only string) []uiColumn {
	if mine == nil {
		return nil
	}
	out := make([]uiColumn, 0, len(mine.Columns))
	for _, c := range mine.Columns {
		st := only
		if other != nil {
			for _, o := range other.Columns {
				if o.Name == c.Name {
					st = "same"
					if o.Type != c.Type || o.NotNull != c.NotNull || o.Default != c.Default {
						st = "changed"
					}
				}
			}
		}
		out = append(out, uiColumn{Column: c, State: st})
	}
	return out
}

// uiTableDetail is the selected table of the explorer.
type uiTableDetail struct {
	Name       string
	Locked     *contract.LockedTable
	Mode       string
	Live       *schema.Table
	LockedCols []uiColumn
	LiveCols   []uiColumn
	Groups     []uiGroup
	Blocked    bool
	Gone       bool
}

// uiEnumDetail is the selected enum: its values, the locked tables that
// use it, and the drift of its values reported under them.
type uiEnumDetail struct {
	Enum   schema.Enum
	UsedBy []string
	Groups []uiGroup
}

type uiExplorerData struct {
	Target   *Target
	Dot      uiDot
	Contract *ContractView
	Version  *Version
	Query    string
	Tables   []uiObject
	Views    []uiObject
	Enums    []uiObject
	Selected *uiTableDetail
	View     *schema.View
	Enum     *uiEnumDetail
	Blocked  bool
	Drift    string
	Error    string
	Unlocked int // tables not locked
}

func matches(name, q string) bool {
	return q == "" || strings.Contains(strings.ToLower(name), strings.ToLower(q))
}

func (s *Service) uiExplorer(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := chi.URLParam(r, "target")
	t, err := s.Target(ctx, name)
	if err != nil {
		s.uiFail(w, r, err)
		return
	}
	view, err := s.Contract(ctx, name)
	if err != nil {
		s.uiFail(w, r, err)
		return
	}
	d := uiExplorerData{Target: t, Dot: targetDot(t), Contract: view, Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	v, err := s.Version(ctx, name, 0)
	switch {
	case errors.Is(err, ErrNotFound):
		d.Error = "No version yet: the target has not been checked successfully."
	case err != nil:
		s.uiFail(w, r, err)
		return
	default:
		d.Version = v
	}
	groups := map[string]contract.TableReport{}
	if d.Version != nil {
		drift, err := s.DiffContract(ctx, name, nil, false)
		if err != nil {
			s.uiFail(w, r, err)
			return
		}
		d.Blocked, d.Drift = drift.Report.Blocked, drift.Drift
		for _, tr := range drift.Report.Tables {
			groups[tr.Table] = tr
		}
	}
	selected := r.URL.Query().Get("table")
	seen := map[string]bool{}
	addTable := func(q string, live *schema.Table) {
		seen[q] = true
		o := uiObject{Name: q, Kind: "table", Dot: dotUnlocked, Mode: "none", Selected: q == selected, Param: "table"}
		lt := view.Contract.Locked(q)
		tr := groups[q]
		if lt != nil {
			o.Locked, o.Mode = true, string(view.Contract.EffectiveMode(lt))
			o.Dot = impactDot(worstItem(tr.Items))
			if live == nil && d.Version != nil {
				o.Dot = dotBreaking
			}
		}
		o.Changes = len(tr.Items)
		if lt == nil {
			d.Unlocked++
		}
		if matches(q, d.Query) || o.Selected {
			d.Tables = append(d.Tables, o)
		}
		if o.Selected {
			det := &uiTableDetail{Name: q, Locked: lt, Mode: o.Mode, Live: live, Groups: groupItems(tr.Items), Blocked: tr.Blocked, Gone: live == nil && d.Version != nil}
			var snap *schema.Table
			if lt != nil {
				snap = &lt.Snapshot
			}
			det.LockedCols = compareColumns(snap, live, "gone")
			det.LiveCols = compareColumns(live, snap, "new")
			if lt == nil {
				det.LiveCols = compareColumns(live, nil, "same")
			}
			d.Selected = det
		}
	}
	if d.Version != nil {
		for i := range d.Version.Schema.Tables {
			lt := &d.Version.Schema.Tables[i]
			addTable(lt.QualifiedName(), lt)
		}
	}
	for _, lt := range view.Contract.Tables {
		if !seen[lt.Table] {
			addTable(lt.Table, nil)
		}
	}
	if d.Version != nil {
		for i, vw := range d.Version.Schema.Views {
			q := vw.QualifiedName()
			o := uiObject{Name: q, Kind: "view", Dot: uiDot{"unlocked", "watched, not locked", 4}, Mode: "none", Param: "view",
				Selected: q == r.URL.Query().Get("view")}
			if o.Selected {
				d.View = &d.Version.Schema.Views[i]
			}
			if matches(q, d.Query) || o.Selected {
				d.Views = append(d.Views, o)
			}
		}
		for _, e := range d.Version.Schema.Enums {
			q := e.QualifiedName()
			o := uiObject{Name: q, Kind: "enum", Dot: dotUnlocked, Mode: "none", Param: "enum", Selected: q == r.URL.Query().Get("enum")}
			var items []contract.Item
			var users []string
			for _, lt := range view.Contract.Tables {
				if slices.ContainsFunc(lt.Enums, func(le schema.Enum) bool { return le.QualifiedName() == q }) {
					o.Locked = true
					users = append(users, lt.Table)
					for _, it := range groups[lt.Table].Items {
						if strings.HasPrefix(string(it.Kind), "enum_") && strings.Contains(it.Object, e.Name) {
							items = append(items, it)
						}
					}
				}
			}
			if o.Locked {
				o.Dot, o.Mode, o.Changes = impactDot(worstItem(items)), "via locked tables", len(items)
			}
			if o.Selected {
				d.Enum = &uiEnumDetail{Enum: e, UsedBy: users, Groups: groupItems(items)}
			}
			if matches(q, d.Query) || o.Selected {
				d.Enums = append(d.Enums, o)
			}
		}
	}
	q := r.URL.Query()
	if (selected != "" && d.Selected == nil) || (q.Get("view") != "" && d.View == nil) || (q.Get("enum") != "" && d.Enum == nil) {
		uiError(w, r, http.StatusNotFound, "No such table, view or enum in the latest version or the contract of "+name+".")
		return
	}
	s.render(w, r, http.StatusOK, "explorer", uiPage{Title: name + " — Schema Explorer", Nav: "targets", Data: d})
}

// uiConfirmData is a confirmation page: what the action changes, before
// it is applied.
type uiConfirmData struct {
	Target     string
	Action     string
	Table      string
	All        bool     // lock: every table not locked yet
	Tables     []string // lock all: the tables that will be locked
	Source     string
	Groups     []uiGroup
	LockedCols []uiColumn
	LiveCols   []uiColumn
	Mode       string
	Nothing    bool
}

func (s *Service) uiConfirm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := chi.URLParam(r, "target")
	q := r.URL.Query()
	d := uiConfirmData{Target: name, Action: q.Get("action"), Table: q.Get("table")}
	view, err := s.Contract(ctx, name)
	if err != nil {
		s.uiFail(w, r, err)
		return
	}
	d.Source, d.Mode = view.Source, string(view.Contract.Mode)
	if d.Action == "lock" && d.Table == "" {
		s.uiConfirmLockAll(w, r, d, view)
		return
	}
	lt := view.Contract.Locked(d.Table)
	switch d.Action {
	case "promote", "unlock":
		if lt == nil {
			uiError(w, r, http.StatusNotFound, "Table "+d.Table+" is not locked in the contract of "+name+".")
			return
		}
	case "lock":
		if lt != nil {
			uiError(w, r, http.StatusConflict, "Table "+d.Table+" is locked already; promote it to accept its live shape.")
			return
		}
	default:
		uiError(w, r, http.StatusBadRequest, "Unknown action; want lock, unlock or promote.")
		return
	}
	var live *schema.Table
	if d.Action != "unlock" {
		sch, err := s.liveSchema(ctx, name)
		if err != nil {
			s.uiFail(w, r, err)
			return
		}
		if sn, tn, ok := schema.ParseTableName(d.Table, "public"); ok {
			live = sch.Table(sn, tn)
		}
		if live == nil && d.Action == "lock" {
			uiError(w, r, http.StatusNotFound, "No table "+d.Table+" in the live database.")
			return
		}
	}
	switch d.Action {
	case "promote":
		drift, err := s.DiffContract(ctx, name, []string{d.Table}, true)
		if err != nil {
			s.uiFail(w, r, err)
			return
		}
		for _, tr := range drift.Report.Tables {
			d.Groups = groupItems(tr.Items)
		}
		d.LockedCols = compareColumns(&lt.Snapshot, live, "gone")
		d.LiveCols = compareColumns(live, &lt.Snapshot, "new")
		d.Nothing = len(d.Groups) == 0
	case "unlock":
		d.LockedCols = compareColumns(&lt.Snapshot, nil, "same")
		if drift, err := s.DiffContract(ctx, name, []string{d.Table}, false); err == nil {
			for _, tr := range drift.Report.Tables {
				d.Groups = groupItems(tr.Items)
			}
		}
	case "lock":
		d.LiveCols = compareColumns(live, nil, "new")
		if d.Mode == string(contract.ModeNone) {
			d.Mode = string(contract.ModeAuto)
		}
	}
	s.render(w, r, http.StatusOK, "confirm", uiPage{Title: "Confirm " + d.Action, Nav: "targets", Data: d})
}

// uiConfirmLockAll is the confirmation of locking every table not locked
// yet, each with its live shape.
func (s *Service) uiConfirmLockAll(w http.ResponseWriter, r *http.Request, d uiConfirmData, view *ContractView) {
	sch, err := s.liveSchema(r.Context(), d.Target)
	if err != nil {
		s.uiFail(w, r, err)
		return
	}
	d.All = true
	for _, t := range sch.Tables {
		if q := t.QualifiedName(); view.Contract.Locked(q) == nil {
			d.Tables = append(d.Tables, q)
		}
	}
	if d.Mode == string(contract.ModeNone) {
		d.Mode = string(contract.ModeAuto)
	}
	d.Nothing = len(d.Tables) == 0
	s.render(w, r, http.StatusOK, "confirm", uiPage{Title: "Confirm lock", Nav: "targets", Data: d})
}

func explorerURL(target, table, done string) string {
	v := url.Values{}
	if table != "" {
		v.Set("table", table)
	}
	if done != "" {
		v.Set("done", done)
	}
	u := "/ui/targets/" + url.PathEscape(target)
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

func (s *Service) uiContractAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		name := chi.URLParam(r, "target")
		table := strings.TrimSpace(r.PostFormValue("table"))
		if action == "lock" && table == "" && r.PostFormValue("all") == "1" {
			if _, err := s.LockTables(ctx, name, nil, ""); err != nil {
				s.uiFail(w, r, err)
				return
			}
			s.o.log.Info("UI contract change", "target", name, "action", "lock all", "key", userOf(r).Key.Prefix)
			http.Redirect(w, r, explorerURL(name, "", "locked_all"), http.StatusSeeOther)
			return
		}
		if table == "" {
			uiError(w, r, http.StatusBadRequest, "No table named.")
			return
		}
		var err error
		done := action + "ed"
		switch action {
		case "lock":
			_, err = s.LockTables(ctx, name, []string{table}, "")
		case "unlock":
			_, err = s.UnlockTables(ctx, name, []string{table})
		case "promote":
			done = "promoted"
			_, err = s.PromoteTables(ctx, name, []string{table})
		}
		if err != nil {
			s.uiFail(w, r, err)
			return
		}
		s.o.log.Info("UI contract change", "target", name, "action", action, "table", table, "key", userOf(r).Key.Prefix)
		http.Redirect(w, r, explorerURL(name, table, done), http.StatusSeeOther)
	}
}

func (s *Service) uiSetMode(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "target")
	if _, err := s.SetContractMode(r.Context(), name, r.PostFormValue("mode")); err != nil {
		s.uiFail(w, r, err)
		return
	}
	http.Redirect(w, r, explorerURL(name, r.PostFormValue("table"), "mode"), http.StatusSeeOther)
}

// uiCheckNow makes a target's next check due now (any replica takes it).
func (s *Service) uiCheckNow(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "target")
	tag, err := s.pool.Exec(r.Context(), `UPDATE guard_serve.targets SET next_check_at = now() WHERE name = $1`, name)
	if err != nil {
		s.uiFail(w, r, err)
		return
	}
	if tag.RowsAffected() == 0 {
		uiError(w, r, http.StatusNotFound, "No target "+name+".")
		return
	}
	http.Redirect(w, r, explorerURL(name, r.PostFormValue("table"), "check"), http.StatusSeeOther)
}

// uiVersionRow is a version in the timeline, with the impact of the drift
// that made it.
type uiVersionRow struct {
	V      Version
	Impact string
	From   bool
	To     bool
}

type uiEventRow struct {
	E          Event
	Groups     []uiGroup
	Deliveries []Delivery
}

type uiHistoryData struct {
	Target   string
	Versions []uiVersionRow
	Diff     *DiffResult
	Groups   []uiGroup
	Events   []uiEventRow
	Error    string
}

func (s *Service) uiHistory(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := chi.URLParam(r, "target")
	vs, err := s.Versions(ctx, name, Page{Limit: 200})
	if err != nil {
		s.uiFail(w, r, err)
		return
	}
	es, err := s.Events(ctx, name, Page{Limit: 50})
	if err != nil {
		s.uiFail(w, r, err)
		return
	}
	d := uiHistoryData{Target: name}
	impact := map[int]string{}
	var ids []int64
	for _, e := range es {
		if e.ToVersion != nil && e.Impact != nil && e.Kind == "drift" {
			impact[*e.ToVersion] = *e.Impact
		}
		ids = append(ids, e.ID)
	}
	from, to := 0, 0
	if len(vs) >= 2 {
		from, to = vs[1].Number, vs[0].Number
	}
	q := r.URL.Query()
	if q.Get("from") != "" || q.Get("to") != "" {
		var e1, e2 error
		from, e1 = atoiStrict(q.Get("from"))
		to, e2 = atoiStrict(q.Get("to"))
		if e1 != nil || e2 != nil {
			uiError(w, r, http.StatusBadRequest, "Pick two versions to compare.")
			return
		}
	}
	for _, v := range vs {
		d.Versions = append(d.Versions, uiVersionRow{V: v, Impact: impact[v.Number], From: v.Number == from, To: v.Number == to})
	}
	if from != 0 && to != 0 {
		if d.Diff, err = s.Diff(ctx, name, from, to); err != nil {
			s.uiFail(w, r, err)
			return
		}
		d.Groups = groupChanges(d.Diff.Changes)
	}
	byEvent := map[int64][]Delivery{}
	if len(ids) > 0 {
		rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM guard_serve.deliveries d WHERE d.event_id = ANY($1) ORDER BY d.id`, ids)
		if err != nil {
			s.uiFail(w, r, err)
			return
		}
		ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) {
			d, err := scanDelivery(r)
			return *d, err
		})
		if err != nil {
			s.uiFail(w, r, err)
			return
		}
		for _, dl := range ds {
			byEvent[dl.EventID] = append(byEvent[dl.EventID], dl)
		}
	}
	for _, e := range es {
		d.Events = append(d.Events, uiEventRow{E: e, Groups: groupChanges(e.Changes), Deliveries: byEvent[e.ID]})
	}
	s.render(w, r, http.StatusOK, "history", uiPage{Title: name + " — History", Nav: "targets", Data: d})
}

// atoiStrict reads a version number: digits only, positive.
func atoiStrict(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || strings.HasPrefix(s, "+") {
		return 0, errors.New("not a version number")
	}
	return n, nil
}

type uiWebhookRow struct {
	W          Webhook
	Deliveries []Delivery
}

func (s *Service) uiWebhooks(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ws, err := s.Webhooks(ctx)
	if err != nil {
		s.uiFail(w, r, err)
		return
	}
	rows := make([]uiWebhookRow, 0, len(ws))
	for _, wh := range ws {
		ds, err := s.Deliveries(ctx, wh.ID, Page{Limit: 10})
		if err != nil {
			s.uiFail(w, r, err)
			return
		}
		rows = append(rows, uiWebhookRow{W: wh, Deliveries: ds})
	}
	s.render(w, r, http.StatusOK, "webhooks", uiPage{Title: "Webhooks", Nav: "webhooks", Data: rows})
}

func (s *Service) uiRedeliver(w http.ResponseWriter, r *http.Request) {
	id, err := idParam(r, "id")
	if err != nil {
		s.uiFail(w, r, err)
		return
	}
	if _, err := s.Redeliver(r.Context(), id); err != nil {
		s.uiFail(w, r, err)
		return
	}
	http.Redirect(w, r, "/ui/webhooks?done=redelivered", http.StatusSeeOther)
}
