import { runLoms } from "./run.ts";

await runLoms();
