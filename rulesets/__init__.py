"""The rule data: rulesets and the SME classification as YAML, shipped inside the package."""
