// Draws every figure of the page: each <div class="bs-figure"> is followed by a JSON script element holding
// its plotly figure ({data, layout, config}). Sets data-drawn on the div once plotly has drawn it, and
// data-error when it could not, with the message in the page.
(() => {
  for (const div of document.querySelectorAll('div.bs-figure')) {
    const spec = document.querySelector(`script[data-figure-for="${div.id}"]`);
    try {
      const fig = JSON.parse(spec.textContent);
      const layout = { ...(fig.layout || {}), autosize: true };
      const config = { responsive: true, displaylogo: false, ...(fig.config || {}) };
      Plotly.newPlot(div, fig.data || [], layout, config).then(
        () => div.setAttribute('data-drawn', 'true'),
        (err) => {
          div.setAttribute('data-error', String(err));
          div.textContent = `This figure could not be drawn: ${err}`;
        },
      );
    } catch (err) {
      div.setAttribute('data-error', String(err));
      div.textContent = `This figure could not be read: ${err}`;
      console.error(err);
    }
  }
})();
