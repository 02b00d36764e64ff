package cli

import (
	"context"
	"log/slog"

	sd "github.com/coreos/go-systemd/v22/daemon"
)

// notifySystemd tells systemd (bootserver.service is Type=notify) that
// the server listens, and that it stops once ctx ends. Without
// $NOTIFY_SOCKET it does nothing.
func notifySystemd(ctx context.Context, log *slog.Logger) {
	if _, err := sd.SdNotify(false, sd.SdNotifyReady); err != nil {
		log.Warn("sd_notify failed", "error", err)
	}
	go func() {
		<-ctx.Done()
		sd.SdNotify(false, sd.SdNotifyStopping)
	}()
}
