// The app's hash router: #/runs, #/runs/<id>, #/dataset, #/signal?..., #/sql.
import "./style.css";
import { renderRuns, renderRun } from "./runs";
import { renderDataset } from "./dataset";
import { renderSignal } from "./signal";
import { renderSql } from "./sql";

function route(): void {
  const app = document.getElementById("app")!;
  const [path, query] = (location.hash.replace(/^#/, "") || "/runs").split("?");
  const params = new URLSearchParams(query ?? "");
  const parts = path.split("/").filter(Boolean);
  document.querySelectorAll("nav a").forEach((a) =>
    a.classList.toggle("active", (a as HTMLElement).dataset.page === parts[0]));
  app.replaceChildren();
  if (parts[0] === "runs" && parts[1]) renderRun(app, decodeURIComponent(parts[1]));
  else if (parts[0] === "dataset") renderDataset(app);
  else if (parts[0] === "signal") renderSignal(app, params);
  else if (parts[0] === "sql") renderSql(app);
  else renderRuns(app);
}

window.addEventListener("hashchange", route);
route();
