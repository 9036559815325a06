package account

import (
	"context"
	"time"

	"github.com/digitalid/digitalid"
)

// CoolingOff says whether a citizen is in a cooling-off period (after an
// account recovery, see package recovery) during which sensitive actions
// such as a phone change are refused. recovery.Service implements it.
type CoolingOff interface {
	CoolingOff(ctx context.Context, citizenID string) (until time.Time, active bool, err error)
}

// SetCoolingOff installs the cooling-off check of phone changes. Call it
// once while wiring, before serving; nil removes it.
func (s *Service) SetCoolingOff(c CoolingOff) { s.coolingOff = c }

// CoolingOffUntil reports whether the citizen is in a cooling-off period
// and until when, for pages that warn of it (false without a check).
func (s *Service) CoolingOffUntil(ctx context.Context, citizenID string) (time.Time, bool, error) {
	if s.coolingOff == nil {
		return time.Time{}, false, nil
	}
	return s.coolingOff.CoolingOff(ctx, citizenID)
}

// notCoolingOff returns EFORBIDDEN (key account.cooling_off) while the
// citizen is cooling off.
func (s *Service) notCoolingOff(ctx context.Context, citizenID string) error {
	if s.coolingOff == nil {
		return nil
	}
	_, active, err := s.coolingOff.CoolingOff(ctx, citizenID)
	if err != nil {
		return err
	}
	if active {
		return userError(digitalid.EFORBIDDEN, "account.cooling_off",
			"Your account was recovered less than 24 hours ago; this change is possible once that period ends.", nil)
	}
	return nil
}
