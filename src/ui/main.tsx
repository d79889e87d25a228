// The console's entry: mounts the app. Bundled by scripts/build-ui.mjs into dist/ui/assets.
import { render } from "preact";
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { App } from "./app.js";

render(<App />, document.getElementById("app")!);
