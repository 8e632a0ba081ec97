"""The ParqEx API client: ParqEx's REST API in Python, with no Home Assistant in it.

`api` speaks to ParqEx (requests, retries, the paths its documentation
contradicts itself on), `models` parses its answers and webhook deliveries,
`errors` says what went wrong, `times` places ParqEx's zone-less times in UTC
and `urls` says where ParqEx (or the simulator) is. The integration around it
adapts it to Home Assistant; a test checks that nothing here imports it.
"""
