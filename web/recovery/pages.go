package recovery

import (
	"net/http"
	"time"

	"github.com/digitalid/digitalid"
	"github.com/digitalid/digitalid/account"
	domain "github.com/digitalid/digitalid/recovery"
	"github.com/digitalid/digitalid/web"
	"github.com/digitalid/digitalid/web/citizen"
)

// form is what a page shows next to its form after a refusal.
type form = web.Form

func okForm() form { return web.FormOK() }

// formError turns a refusal into messages for the form, adding how many
// code entries are left; faults are returned for the error page.
func (h *handlers) formError(r *http.Request, err error) (form, error) {
	f, ferr := h.s.FormError(r, err)
	if ferr == nil && len(f.Errors) == 0 {
		if l, ok := account.LimitOf(err); ok && l.AttemptsLeft > 0 {
			f.Error += " " + h.s.T(r, "recovery.attempts_left", l.AttemptsLeft)
		}
	}
	return f, ferr
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

type contactRow struct {
	ID, Name, Status, Invited, Expires string
	Removable                          bool
}

type trustRow struct {
	ID, Phone, Expires string
	Pending            bool
}

type approvalRow struct {
	ID, Phone, Reason, Created, Expires, Network, Browser string
}

func approvalRowOf(a domain.Approval) approvalRow {
	return approvalRow{ID: a.ID, Phone: a.Phone, Reason: a.Reason, Created: stamp(a.CreatedAt), Expires: stamp(a.ExpiresAt),
		Network: a.Origin.Network, Browser: a.Origin.Browser}
}

// contactsView is the Profile → Security → Trusted contacts page.
type contactsView struct {
	Form       form
	Msg        string // translation key of a notice
	CoolingOff string // end of the cooling-off period, when active
	Contacts   []contactRow
	HasActive  bool
	CanAdd     bool
	Max        int
	Name       string
	Phone      string
	Trusts     []trustRow
	Approvals  []approvalRow
	Ongoing    *approvalRow // a recovery of this account in progress
}

func (h *handlers) contactsPage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return h.renderContacts(w, r, a, contactsView{Form: okForm(), Msg: r.URL.Query().Get("done")})
}

// notices a redirect may ask the page to show.
var notices = map[string]string{
	"invited": "recovery.page.invited", "removed": "recovery.page.removed", "accepted": "recovery.page.accepted",
	"declined": "recovery.page.declined", "left": "recovery.page.left", "approved": "recovery.page.approved",
	"rejected": "recovery.page.rejected", "cancelled": "recovery.page.cancelled",
}

func (h *handlers) renderContacts(w http.ResponseWriter, r *http.Request, a citizen.Auth, v contactsView) error {
	ctx := r.Context()
	v.Msg = notices[v.Msg]
	v.Max = domain.MaxContacts
	list, err := h.rec.Contacts(ctx, a.Citizen.ID)
	if err != nil {
		return err
	}
	live := 0
	for _, c := range list {
		if c.Status == domain.StatusEnded || c.Status == domain.StatusExpired {
			continue
		}
		live++
		v.HasActive = v.HasActive || c.Status == domain.StatusActive
		v.Contacts = append(v.Contacts, contactRow{ID: c.ID, Name: c.Name, Status: string(c.Status), Invited: stamp(c.InvitedAt),
			Expires: stamp(c.ExpiresAt), Removable: true})
	}
	for _, c := range list {
		if c.Status == domain.StatusExpired {
			v.Contacts = append(v.Contacts, contactRow{ID: c.ID, Name: c.Name, Status: string(c.Status), Invited: stamp(c.InvitedAt)})
		}
	}
	v.CanAdd = live < domain.MaxContacts
	if until, active, err := h.rec.CoolingOff(ctx, a.Citizen.ID); err != nil {
		return err
	} else if active {
		v.CoolingOff = stamp(until)
		v.CanAdd = false
	}
	if req, ok, err := h.rec.Ongoing(ctx, a.Citizen.ID); err != nil {
		return err
	} else if ok {
		v.Ongoing = &approvalRow{ID: req.ID, Reason: req.Reason, Created: stamp(req.CreatedAt), Expires: stamp(req.ExpiresAt)}
	}
	trusts, err := h.rec.Trusts(ctx, a.Citizen.ID)
	if err != nil {
		return err
	}
	for _, t := range trusts {
		v.Trusts = append(v.Trusts, trustRow{ID: t.ID, Phone: t.Phone, Expires: stamp(t.ExpiresAt), Pending: t.Status == domain.StatusPending})
	}
	approvals, err := h.rec.Approvals(ctx, a.Citizen.ID)
	if err != nil {
		return err
	}
	for _, x := range approvals {
		v.Approvals = append(v.Approvals, approvalRowOf(x))
	}
	return h.s.Render(w, r, v.Form.Status, "recovery_contacts", v)
}

// pageAction runs a cabinet action from a form and goes back to the
// contacts page with a notice, or shows the refusal there.
func (h *handlers) pageAction(w http.ResponseWriter, r *http.Request, a citizen.Auth, notice string, fn func() error) error {
	if err := fn(); err != nil {
		f, ferr := h.formError(r, err)
		if ferr != nil {
			return ferr
		}
		return h.renderContacts(w, r, a, contactsView{Form: f})
	}
	http.Redirect(w, r, "/account/trusted-contacts?done="+notice, http.StatusSeeOther)
	return nil
}

func (h *handlers) invitePage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	req := inviteRequest{Name: r.PostForm.Get("name"), Phone: r.PostForm.Get("phone")}
	if _, err := h.invite(r, a, req); err != nil {
		f, ferr := h.formError(r, err)
		if ferr != nil {
			return ferr
		}
		return h.renderContacts(w, r, a, contactsView{Form: f, Name: req.Name, Phone: req.Phone})
	}
	http.Redirect(w, r, "/account/trusted-contacts?done=invited", http.StatusSeeOther)
	return nil
}

func (h *handlers) removePage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return h.pageAction(w, r, a, "removed", func() error {
		return h.rec.Remove(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r))
	})
}

func (h *handlers) acceptPage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return h.pageAction(w, r, a, "accepted", func() error {
		return h.rec.Accept(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r))
	})
}

func (h *handlers) declinePage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return h.pageAction(w, r, a, "declined", func() error {
		return h.rec.Decline(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r))
	})
}

func (h *handlers) leavePage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return h.pageAction(w, r, a, "left", func() error {
		return h.rec.Leave(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r))
	})
}

// approvalView is the page where a contact decides a request.
type approvalView struct {
	Form     form
	Approval approvalRow
	CodeSent bool
}

func (h *handlers) approvalPage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return h.renderApproval(w, r, a, approvalView{Form: okForm()})
}

func (h *handlers) renderApproval(w http.ResponseWriter, r *http.Request, a citizen.Auth, v approvalView) error {
	x, err := h.rec.Approval(r.Context(), a.Citizen.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	v.Approval = approvalRowOf(x)
	return h.s.Render(w, r, v.Form.Status, "recovery_approval", v)
}

func (h *handlers) approvalCodePage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	v := approvalView{Form: okForm(), CodeSent: true}
	err := h.guard.AllowAuth(r)
	if err == nil {
		_, err = h.rec.SendApprovalCode(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r))
	}
	if err != nil {
		if v.Form, err = h.formError(r, err); err != nil {
			return err
		}
		v.CodeSent = false
	}
	return h.renderApproval(w, r, a, v)
}

func (h *handlers) approvePage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	err := h.guard.AllowAuth(r)
	if err == nil {
		err = h.rec.Approve(r.Context(), a.Session, r.PathValue("id"), r.PostForm.Get("code"), citizen.Client(r))
	}
	if err != nil {
		f, ferr := h.formError(r, err)
		if ferr != nil {
			return ferr
		}
		if digitalid.ErrorCode(err) == digitalid.ENOTFOUND {
			return h.renderContacts(w, r, a, contactsView{Form: f})
		}
		return h.renderApproval(w, r, a, approvalView{Form: f, CodeSent: true})
	}
	http.Redirect(w, r, "/account/trusted-contacts?done=approved", http.StatusSeeOther)
	return nil
}

func (h *handlers) rejectPage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return h.pageAction(w, r, a, "rejected", func() error {
		return h.rec.Reject(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r))
	})
}

func (h *handlers) cancelOwnPage(w http.ResponseWriter, r *http.Request, a citizen.Auth) error {
	return h.pageAction(w, r, a, "cancelled", func() error {
		return h.rec.CancelOwn(r.Context(), a.Session, r.PathValue("id"), citizen.Client(r))
	})
}
