// LOMS as the embedded mode runs it (`just dev`): no broker, its order events handed in-process to the
// notifier's handler, so the notifier's lines appear in the dev console as the notifier service's
// would. The two services meet only here, through their public entries (package.json "exports"):
// neither imports the other. Each worker (WORKERS) gets a notifier of its own.
import { runLoms } from "@route256/loms";
import { inProcessNotifier } from "@route256/notifier";

await runLoms({
  orderEvents: (config) => {
    const notifier = inProcessNotifier(config.server);
    return (event) => notifier.handle(event);
  },
});
