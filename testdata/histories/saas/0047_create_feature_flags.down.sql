DROP TABLE organization_feature_flags;
DROP TABLE feature_flags;
