// Swagger UI over this API's own document, resolved against the page's URL.
// validatorUrl null: no call to the public validator, so the page needs nothing but
// this server.
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
