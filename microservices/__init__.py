"""Reference microservices: separate processes speaking the microservice contracts of
CONTRACT.md with no network and no keys. The orchestrator never imports them."""
