"""Service items (政务服务事项) as configuration: catalogue data + BPMN + forms bundles."""
