"""live operations: drivers on routes, stop outcomes, proofs, breadcrumbs, notices

Revision ID: 16d9091c2b47
Revises: dd2da8d2f762
Create Date: 2026-11-26 07:31:47.482490
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import smartdist.db

revision = '16d9091c2b47'
down_revision = 'dd2da8d2f762'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing routes and stops get defaults so the NOT NULL columns can be added to filled tables.
    op.create_table('gps_breadcrumb',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('route_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('recorded_at', smartdist.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', smartdist.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['route_id'], ['route.id'], name=op.f('fk_gps_breadcrumb_route_id_route'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gps_breadcrumb'))
    )
    with op.batch_alter_table('gps_breadcrumb', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gps_breadcrumb_recorded_at'), ['recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_gps_breadcrumb_route_id'), ['route_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gps_breadcrumb_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('route_notice',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('route_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', smartdist.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', smartdist.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['route_id'], ['route.id'], name=op.f('fk_route_notice_route_id_route'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_notice'))
    )
    with op.batch_alter_table('route_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_route_notice_route_id'), ['route_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_route_notice_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('stop_proof',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('stop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('taken_at', smartdist.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_at', smartdist.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['stop_id'], ['route_stop.id'], name=op.f('fk_stop_proof_stop_id_route_stop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stop_proof'))
    )
    with op.batch_alter_table('stop_proof', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stop_proof_stop_id'), ['stop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stop_proof_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('driver', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vehicle_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_driver_vehicle_id_vehicle'), 'vehicle', ['vehicle_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('route', schema=None) as batch_op:
        batch_op.add_column(sa.Column('driver_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False, server_default='planned'))
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('started_at', smartdist.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('completed_at', smartdist.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_route_driver_id'), ['driver_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_route_driver_id_driver'), 'driver', ['driver_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('route_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('baseline_distance_m', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('baseline_source', sa.String(length=20), nullable=True))

    with op.batch_alter_table('route_stop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrived_at', smartdist.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('completed_at', smartdist.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reason_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('recipient_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('cash_collected_twd', sa.Integer(), nullable=True))

    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('route_plan', schema=None) as batch_op:
        batch_op.drop_column('baseline_source')
        batch_op.drop_column('baseline_distance_m')

    with op.batch_alter_table('route_stop', schema=None) as batch_op:
        batch_op.drop_column('cash_collected_twd')
        batch_op.drop_column('recipient_name')
        batch_op.drop_column('note')
        batch_op.drop_column('reason_code')
        batch_op.drop_column('completed_at')
        batch_op.drop_column('arrived_at')

    with op.batch_alter_table('route', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_route_driver_id_driver'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_route_driver_id'))
        batch_op.drop_column('completed_at')
        batch_op.drop_column('started_at')
        batch_op.drop_column('revision')
        batch_op.drop_column('status')
        batch_op.drop_column('driver_id')

    with op.batch_alter_table('driver', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_driver_vehicle_id_vehicle'), type_='foreignkey')
        batch_op.drop_column('vehicle_id')

    with op.batch_alter_table('stop_proof', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stop_proof_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_stop_proof_stop_id'))

    op.drop_table('stop_proof')
    with op.batch_alter_table('route_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_route_notice_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_route_notice_route_id'))

    op.drop_table('route_notice')
    with op.batch_alter_table('gps_breadcrumb', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gps_breadcrumb_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_gps_breadcrumb_route_id'))
        batch_op.drop_index(batch_op.f('ix_gps_breadcrumb_recorded_at'))

    op.drop_table('gps_breadcrumb')
    # ### end Alembic commands ###
