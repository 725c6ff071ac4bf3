// Stops `quarto render` / `quarto preview` at the project root (the root _quarto.yml runs this
// as its pre-render script; `lhs-reports build` drops it from the project it stages).
// The site's report pages only exist once `lhs-reports build` has executed the notebooks for
// every trust, so a render here would give a site without them. Quarto runs .ts scripts with
// its own Deno, so this needs nothing else installed.
console.error(
  "This site is built by `lhs-reports build --renderer quarto` (it runs the notebooks per " +
    "trust, then Quarto); run that instead of `quarto render` or `quarto preview` here.",
);
Deno.exit(1);
