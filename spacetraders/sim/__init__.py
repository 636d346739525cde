"""A local, in-memory simulation of the SpaceTraders v2 server (same HTTP API under /v2).

    from spacetraders.sim.app import create_app
    from spacetraders.sim.config import SimConfig, FaultConfig

    app = create_app(SimConfig(seed=1))   # FastAPI; app.state.sim is the Simulator

Modules: config (settings), generator / universe_file / universe (the static map),
markets (prices), ships / agents (mutable state), simulator (game rules), ratelimit,
faults, middleware (rate limit, faults, Date header), routes (/v2), control (/_sim).
Travel and the other operations: gates / travel / routes_travel (jump gates, jump, warp,
construction, charts), extraction / routes_extraction, outfitting / directory /
routes_misc, actions (shared preconditions and cooldowns), world (mutable world state),
trade_layout + supply_chain (what generated markets trade), operations (the spec's
operations; unmodelled ones answer 501).
"""
