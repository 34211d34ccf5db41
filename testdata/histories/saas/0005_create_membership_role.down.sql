DROP TYPE IF EXISTS membership_role;
