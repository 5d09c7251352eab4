// Renders every chart of the page with the self-hosted vega-embed (window.vegaEmbed, loaded just before as
// a module). The static SVG stays visible until the live chart has rendered, and whenever JavaScript is off.
// Charts re-render when the reader switches between the light and the dark palette.

const DARK = "slate";

function scheme() {
  return document.body.getAttribute("data-md-color-scheme") === DARK ? "dark" : "light";
}

function specOf(element) {
  const holder = document.getElementById(element.dataset.spec);
  return holder ? JSON.parse(holder.textContent) : null;
}

async function render(element) {
  const spec = specOf(element);
  if (!spec || typeof window.vegaEmbed !== "function") return;
  const dark = scheme() === "dark";
  const options = {
    actions: false,
    renderer: "svg",
    theme: dark ? "dark" : undefined,
    config: { background: "transparent" },
  };
  try {
    const result = await window.vegaEmbed(element, spec, options);
    element.dataset.rendered = scheme();
    element.closest("figure")?.classList.add("chart-rendered");
    const svg = element.querySelector("svg");
    if (svg && spec.description) svg.setAttribute("aria-label", spec.description);
    return result;
  } catch (error) {
    // Keep the static image: it shows the same data.
    element.closest("figure")?.classList.remove("chart-rendered");
    console.warn("chart not rendered; showing the static image", error);
  }
}

function renderAll() {
  document.querySelectorAll(".chart-live[data-spec]").forEach((element) => {
    if (element.dataset.rendered !== scheme()) render(element);
  });
}

renderAll();
new MutationObserver(renderAll).observe(document.body, {
  attributes: true,
  attributeFilter: ["data-md-color-scheme"],
});
