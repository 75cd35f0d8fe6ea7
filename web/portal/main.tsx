/** The customer portal's entry point: styles, then the app into #app. */
import "../shared/styles.css";
import "./portal.css";
import { render } from "preact";
import { App } from "./app";

const root = document.getElementById("app")!;
root.textContent = ""; // the static "Loading…" of index.html
render(<App />, root);
