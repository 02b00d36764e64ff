package daemon

import (
	"log/slog"

	"github.com/bootagent/bootagent/supervise"
)

func rotateLog(log *slog.Logger, path string, maxBytes int64, keep int) {
	rotated, err := supervise.RotateIfLarger(path, maxBytes, keep)
	if err != nil {
		log.Error("log rotation failed", "log", path, "error", err)
	} else if rotated {
		log.Info("log rotated", "log", path)
	}
}
