"""The rules stage: rulesets loaded, compiled and evaluated."""
