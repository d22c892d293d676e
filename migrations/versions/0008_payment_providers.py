"""provider-neutral payment orders, bank transfers, receipts

Revision ID: 0008_payment_providers
Revises: 0007_statistics_indexes
Create Date: 2026-12-03 09:27:56.437727

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_payment_providers'
down_revision = '0007_statistics_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_bank_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_transaction_id', sa.String(length=100), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reference', sa.String(length=20), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['payment_orders.id'], name=op.f('fk_payment_bank_transfers_order_id_payment_orders')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['members.id'], name=op.f('fk_payment_bank_transfers_recorded_by_id_members')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['members.id'], name=op.f('fk_payment_bank_transfers_resolved_by_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_bank_transfers')),
    sa.UniqueConstraint('bank_transaction_id', name=op.f('uq_payment_bank_transfers_bank_transaction_id'))
    )
    with op.batch_alter_table('payment_bank_transfers', schema=None) as batch_op:
        batch_op.create_index('ix_payment_bank_transfers_needs_review', ['needs_review', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_bank_transfers_order_id'), ['order_id'], unique=False)

    op.create_table('payment_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('amount_vnd', sa.BigInteger(), nullable=False),
    sa.Column('vat_percent', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['payment_orders.id'], name=op.f('fk_payment_receipts_order_id_payment_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_receipts')),
    sa.UniqueConstraint('order_id', name=op.f('uq_payment_receipts_order_id'))
    )
    with op.batch_alter_table('payment_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_receipts_issued_at'), ['issued_at'], unique=False)

    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider', sa.String(length=20), server_default=sa.text("'stripe'"), nullable=False))
        batch_op.add_column(sa.Column('reference', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('bank_transaction_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('amount_paid_vnd', sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_payment_orders_bank_transaction_id'), ['bank_transaction_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_payment_orders_reference'), ['reference'])

    # orders paid before this revision were paid in full through Stripe; each gets its receipt
    op.execute("UPDATE payment_orders SET amount_paid_vnd = amount_vnd "
               "WHERE status IN ('paid', 'refund_due')")
    op.execute("INSERT INTO payment_receipts (order_id, issued_at, amount_vnd) "
               "SELECT id, paid_at, amount_vnd FROM payment_orders "
               "WHERE status IN ('paid', 'refund_due') AND paid_at IS NOT NULL ORDER BY paid_at, id")



def downgrade():
    with op.batch_alter_table('payment_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_payment_orders_reference'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_payment_orders_bank_transaction_id'), type_='unique')
        batch_op.drop_column('amount_paid_vnd')
        batch_op.drop_column('bank_transaction_id')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('reference')
        batch_op.drop_column('provider')

    with op.batch_alter_table('payment_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_receipts_issued_at'))

    op.drop_table('payment_receipts')
    with op.batch_alter_table('payment_bank_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_bank_transfers_order_id'))
        batch_op.drop_index('ix_payment_bank_transfers_needs_review')

    op.drop_table('payment_bank_transfers')
