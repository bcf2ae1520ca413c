"""Who may call: one credential verifier shared by the edge (REST) and the orchestrator
(gRPC). A credential is `Authorization: Bearer <token>`, where the token is either a JWT
from an OpenID Connect provider (checked against its JWKS) or a static API key."""
